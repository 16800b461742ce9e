export const ROOT: string;
export const SERVER_OUT: string;
export function newestMtime(paths: string[]): number;
export function serverIsStale(): boolean;
export function buildServer(): Promise<void>;
