// Tests start the real server from its bundle; make sure the bundle matches the source first.
import { buildServer, serverIsStale } from '../../scripts/build-server.mjs';

export default async function setup() {
  if (serverIsStale()) await buildServer();
}
