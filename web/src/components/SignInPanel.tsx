import { useId, useState } from "react";
import { signIn } from "../api";
import { describeError } from "../messages";

/** Asks for an API key when the server wants one; `onSignedIn` gets the key's name once the server took it. */
export function SignInPanel({ onSignedIn }: { onSignedIn: (name: string) => void }) {
  const id = useId();
  const [key, setKey] = useState("");
  const [sending, setSending] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  async function submit() {
    if (sending || !key.trim()) return;
    setSending(true);
    setProblem(null);
    try {
      onSignedIn(await signIn(key.trim()));
    } catch (error) {
      setProblem(describeError(error));
      setSending(false);
    }
  }

  return (
    <form
      className="panel sign-in"
      aria-labelledby={`${id}-title`}
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h2 id={`${id}-title`}>Sign in</h2>
      <p className="hint" id={`${id}-hint`}>
        This PoseCraft asks for an API key. Ask your admin for one; an admin makes it on the server with{" "}
        <code>posecraft keys create NAME</code> (the key is the last line it prints). The page keeps a session
        cookie, not the key.
      </p>
      <label htmlFor={id}>API key</label>
      <input
        id={id}
        type="password"
        autoComplete="off"
        spellCheck={false}
        aria-describedby={`${id}-hint`}
        aria-invalid={problem !== null}
        placeholder="pck_…"
        value={key}
        onChange={(event) => setKey(event.target.value)}
      />
      {problem && (
        <p className="sign-in-problem" role="alert">
          Not signed in: {problem}
        </p>
      )}
      <button type="submit" className="button button-primary" disabled={sending || !key.trim()}>
        {sending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
