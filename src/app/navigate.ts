// Moving to another page of the web app from code (after "New template", say). The app's router
// follows the History API (pushState, then a popstate event for it to read); links are plain <a href>.
export function navigate(path: string): void {
  window.history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}
