// The one place in the web app that touches Office.js: the add-in's sign-in dialog hands its result
// to the pane with `Office.context.ui.messageParent` (Microsoft's Office dialog API, "Use the Office
// dialog API in Office Add-ins"). Each dialog is its own page and must wait for Office.onReady.
interface OfficeLike {
  onReady(): Promise<unknown>;
  context?: { ui?: { messageParent?(message: string): void } };
}

const office = (): OfficeLike | undefined => (globalThis as { Office?: OfficeLike }).Office;

/** True once Office.js is ready and this page was opened as a dialog (messageParent is there). */
export async function inOfficeDialog(): Promise<boolean> {
  const o = office();
  if (!o) return false;
  await o.onReady();
  return typeof o.context?.ui?.messageParent === 'function';
}

export function messageParent(message: string): void {
  office()!.context!.ui!.messageParent!(message);
}
