import { useId } from "react";
import { PRESETS, type OutputOptions } from "../presets";

/** The output preset and the cut-out, for the photos and URLs sent next. */
export function OutputOptionsPanel({ options, onChange }: { options: OutputOptions; onChange: (options: OutputOptions) => void }) {
  const id = useId();
  const chosen = PRESETS.find((preset) => preset.name === options.preset) ?? PRESETS[0];
  return (
    <fieldset className="panel output-options">
      <legend>Output</legend>
      <label htmlFor={`${id}-preset`}>Preset</label>{" "}
      <select
        id={`${id}-preset`}
        aria-describedby={`${id}-rules`}
        value={options.preset}
        onChange={(event) => onChange({ ...options, preset: event.target.value })}
      >
        {PRESETS.map((preset) => (
          <option key={preset.name} value={preset.name}>
            {preset.title}
          </option>
        ))}
      </select>
      <p className="hint" id={`${id}-rules`}>
        {chosen.rules}
      </p>
      <label className="checkbox">
        <input type="checkbox" checked={options.cutout} onChange={(event) => onChange({ ...options, cutout: event.target.checked })} />{" "}
        Also a cut-out (the person on transparency, PNG)
      </label>
    </fieldset>
  );
}
