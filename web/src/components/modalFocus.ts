import { useEffect, useLayoutEffect, useRef, type RefObject } from "react";

/** What Tab moves between inside a dialog. */
const CONTROLS = "a[href], button:not(:disabled), input:not(:disabled), select:not(:disabled), textarea:not(:disabled)";

/** The controls of `scope` in the order Tab reaches them (document order: jsdom's querySelectorAll of a selector
 * list does not keep it). */
const controlsOf = (scope: HTMLElement | null) =>
  [...(scope?.querySelectorAll<HTMLElement>("*") ?? [])].filter((element) => element.matches(CONTROLS));

/**
 * The keyboard of a modal dialog: the focus starts on `first()`, Tab and Shift+Tab cycle through the dialog's own
 * controls (never the page behind it), Esc closes, and closing gives the focus back to what had it before.
 */
export function useModalFocus(dialog: RefObject<HTMLElement | null>, first: () => HTMLElement | null | undefined, onClose: () => void) {
  // Read at the key press: a parent's new callback on each render must not run the effect again (it would move the
  // focus back to `first` while the user works in the dialog).
  const latest = useRef({ first, onClose });
  useLayoutEffect(() => {
    latest.current = { first, onClose };
  });

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    latest.current.first()?.focus();
    const keepFocusInside = (event: KeyboardEvent) => {
      const controls = controlsOf(dialog.current);
      if (controls.length === 0) return;
      const start = controls[0];
      const end = controls[controls.length - 1];
      const leaving = event.shiftKey ? document.activeElement === start : document.activeElement === end;
      if (leaving || !dialog.current?.contains(document.activeElement)) {
        event.preventDefault();
        (event.shiftKey ? end : start).focus();
      }
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") latest.current.onClose();
      if (event.key === "Tab") keepFocusInside(event);
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
      opener?.focus();
    };
  }, [dialog]);
}

/** The first control of `scope` the keyboard can reach, if any. */
export const firstControl = (scope: HTMLElement | null): HTMLElement | null => controlsOf(scope)[0] ?? null;
