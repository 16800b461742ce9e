// Declarations for the small nodemailer-family libraries that ship no types.
declare module 'libmime' {
  const libmime: {
    decodeWords(value: string): string;
    encodeWords(value: string, mimeWordEncoding?: 'Q' | 'B', maxLength?: number): string;
    parseHeaderValue(value: string): { value: string; params: Record<string, string> };
  };
  export default libmime;
}
