import { useEffect, useState } from "react";
import { fetchPresets } from "./api";
import { describeError } from "./messages";
import { NO_PRESETS, type ServerPresets } from "./presets";

/** The presets the server knows, read once per workspace (signing in mounts a new one, which reads them again). */
export function usePresets(): ServerPresets {
  const [presets, setPresets] = useState<ServerPresets>(NO_PRESETS);
  useEffect(() => {
    let current = true;
    fetchPresets()
      .then((list) => current && setPresets({ list, problem: null }))
      .catch((error: unknown) => current && setPresets({ list: null, problem: describeError(error) }));
    return () => {
      current = false;
    };
  }, []);
  return presets;
}
