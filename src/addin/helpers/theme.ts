// Outlook's theme → light or dark Fluent theme: dark when the body background is dark.

export function isDarkBackground(color: string | null | undefined): boolean {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec((color ?? '').trim());
  if (!m) return false;
  const hex = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  // Relative luminance (sRGB, no gamma): close enough to tell dark from light.
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5;
}
