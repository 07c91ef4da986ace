import { useId, useState } from "react";

/** Pasted image URLs; `onSubmit` answers whether they were sent, and the box is cleared only then. */
export function UrlForm({ onSubmit }: { onSubmit: (text: string) => Promise<boolean> }) {
  const id = useId();
  const [text, setText] = useState("");
  const [sending, setSending] = useState(false);

  async function submit() {
    if (sending || !text.trim()) return;
    setSending(true);
    try {
      if (await onSubmit(text)) setText("");
    } finally {
      setSending(false);
    }
  }

  return (
    <form
      className="panel urls"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h2>
        <label htmlFor={id}>Image URLs</label>
      </h2>
      <p className="hint" id={`${id}-hint`}>
        One per line (commas and spaces also separate them). Ctrl+Enter sends.
      </p>
      <textarea
        id={id}
        aria-describedby={`${id}-hint`}
        rows={4}
        value={text}
        placeholder="https://example.com/look-01.jpg"
        spellCheck={false}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
            event.preventDefault();
            void submit();
          }
        }}
      />
      <button type="submit" className="button button-primary" disabled={sending || !text.trim()}>
        {sending ? "Sending…" : "Process URLs"}
      </button>
    </form>
  );
}
