import { useId, useRef, type ReactNode } from "react";
import { firstControl, useModalFocus } from "./modalFocus";

/**
 * A modal question with two answers; Esc, Cancel or a click outside declines, Tab stays inside. Without fields it is
 * an alert and the focus starts on Cancel (a slip of Enter keeps); with fields (`children`: what the answer needs to
 * know) it is a form and the focus starts on its first field.
 */
export function ConfirmDialog({
  title,
  text,
  confirm,
  danger = false,
  children,
  onConfirm,
  onCancel,
}: {
  title: string;
  text: ReactNode;
  confirm: string;
  /** The answer cannot be undone: the confirm button is red. */
  danger?: boolean;
  children?: ReactNode;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const id = useId();
  const dialog = useRef<HTMLFormElement>(null);
  const fields = useRef<HTMLDivElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  useModalFocus(dialog, () => firstControl(fields.current) ?? cancelButton.current, onCancel);

  return (
    <div className="lightbox-backdrop" onClick={(event) => event.target === event.currentTarget && onCancel()}>
      <form
        ref={dialog}
        className="dialog"
        role={children ? "dialog" : "alertdialog"}
        aria-modal="true"
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-text`}
        onSubmit={(event) => {
          event.preventDefault();
          onConfirm();
        }}
      >
        <h2 id={`${id}-title`}>{title}</h2>
        <div id={`${id}-text`} className="dialog-text">
          {text}
        </div>
        {children && (
          <div ref={fields} className="dialog-fields">
            {children}
          </div>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" ref={cancelButton} onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className={danger ? "button button-danger" : "button button-primary"}>
            {confirm}
          </button>
        </div>
      </form>
    </div>
  );
}
