/**
 * Page-script text of two functions, `toBytes(base64url)` and `toBase64url(ArrayBuffer)`: WebAuthn speaks
 * ArrayBuffers, its JSON forms base64url, and the pages load no library to convert.
 */
export const BASE64URL_SCRIPT = `
  const toBytes = (text) =>
    Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  const toBase64url = (buffer) =>
    btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');`;
