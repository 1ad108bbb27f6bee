/** Modal <dialog> helpers shared by the feature dialog and the keys overlay. */

/**
 * True when a click on a modal dialog landed on its backdrop: the backdrop's clicks target the
 * dialog element itself, as do clicks on its padding, so the point must also lie outside its box.
 */
export function isBackdropClick(dialog: HTMLDialogElement, e: MouseEvent): boolean {
  if (e.target !== dialog) return false;
  const r = dialog.getBoundingClientRect();
  return e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom;
}

/** True when a key event comes from a place that types (inputs, selects, editable text). */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.composedPath()[0] as HTMLElement | undefined;
  if (!t?.tagName) return false;
  return t.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(t.tagName);
}
