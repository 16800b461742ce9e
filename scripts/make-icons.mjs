// Draws the add-in and web-app icon (a beacon: a dot and two arcs on Fluent's brand blue) into assets/icon-<n>.png.
// Run `node scripts/make-icons.mjs` after changing the drawing; the PNGs are committed.
import fs from 'node:fs';
import zlib from 'node:zlib';

const SIZES = [16, 32, 64, 80, 128, 192, 512];
const BLUE_TOP = [17, 94, 163];
const BLUE_BOTTOM = [15, 108, 189];

/** Coverage of the shape at (x, y) in a unit square, for one colour layer. */
function shape(x, y) {
  const r = 0.2; // corner radius of the tile
  const inTile = (() => {
    const cx = Math.min(Math.max(x, r), 1 - r);
    const cy = Math.min(Math.max(y, r), 1 - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  })();
  if (!inTile) return null;
  // An envelope, lower left, sending two arcs of signal to the upper right.
  const ex0 = 0.16, ex1 = 0.64, ey0 = 0.42, ey1 = 0.8, t = 0.055;
  const inEnv = x > ex0 && x < ex1 && y > ey0 && y < ey1;
  const border = inEnv && (x < ex0 + t || x > ex1 - t || y < ey0 + t || y > ey1 - t);
  // the flap: a V from the top corners to the middle
  const mid = (ex0 + ex1) / 2, depth = 0.2;
  const flapY = ey0 + depth * (1 - Math.abs(x - mid) / (mid - ex0));
  const flap = inEnv && Math.abs(y - flapY) < t * 0.75;
  const bx = 0.62, by = 0.42;
  const d = Math.hypot(x - bx, y - by);
  const angle = Math.atan2(by - y, x - bx);
  const inWedge = angle > 0.05 && angle < Math.PI / 2 - 0.05;
  const white = border || flap || (inWedge && ((d > 0.13 && d < 0.19) || (d > 0.26 && d < 0.32)));
  return white ? 'white' : 'blue';
}

function pixel(size, px, py) {
  const n = 4; // supersampling
  let a = 0, r = 0, g = 0, b = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const x = (px + (i + 0.5) / n) / size, y = (py + (j + 0.5) / n) / size;
    const s = shape(x, y);
    if (!s) continue;
    const c = s === 'white' ? [255, 255, 255] : BLUE_TOP.map((t, k) => Math.round(t + (BLUE_BOTTOM[k] - t) * y));
    r += c[0]; g += c[1]; b += c[2]; a++;
  }
  if (a === 0) return [0, 0, 0, 0];
  return [Math.round(r / a), Math.round(g / a), Math.round(b / a), Math.round((255 * a) / (n * n))];
}

function crc32(buf) {
  let c, crc = ~0;
  for (const byte of buf) {
    c = (crc ^ byte) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return ~crc >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

function png(size) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) raw.set(pixel(size, x, y), y * (size * 4 + 1) + 1 + x * 4);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; // 8-bit RGBA
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

fs.mkdirSync('assets', { recursive: true });
for (const size of SIZES) fs.writeFileSync(`assets/icon-${size}.png`, png(size));
console.log(`wrote ${SIZES.map((s) => `assets/icon-${s}.png`).join(', ')}`);
