// The app is served at deep paths (/app/contacts/42) while its files are at the root: pages loaded on
// demand must be fetched from "/", not relative to the page's path. Imported first by index.tsx.
declare let __webpack_public_path__: string;
__webpack_public_path__ = '/';
export {};
