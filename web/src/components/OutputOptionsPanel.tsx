import { useId } from "react";
import { findPreset, type OutputOptions, type ServerPresets } from "../presets";
import type { Preset } from "../types";

/** A preset's rules as the hint under a picker lists them (the words `posecraft presets` prints). */
export function PresetRules({ preset, id }: { preset: Preset; id: string }) {
  return (
    <ul className="hint rules" id={id}>
      {preset.rules.map((rule) => (
        <li key={rule}>{rule}</li>
      ))}
    </ul>
  );
}

/** What the hint under the picker says for the choice: the chosen preset's rules, or what "Server default" means. */
function Rules({ presets, chosen, id }: { presets: ServerPresets; chosen: string; id: string }) {
  const preset = findPreset(presets, chosen || (presets.list?.default ?? ""));
  if (preset) return <PresetRules preset={preset} id={id} />;
  return (
    <p className="hint" id={id}>
      {presets.problem
        ? `The server's presets could not be read (${presets.problem}): the views follow its default preset.`
        : presets.list
          ? "the views as the server is set up to make them"
          : "Reading the server's presets…"}
    </p>
  );
}

/** The output preset (those the server knows, a team's own included) and the cut-out, for the photos and URLs sent
 * next. "Server default" sends no preset, so it is there before the list has come, and if it never does. */
export function OutputOptionsPanel({
  options,
  presets,
  onChange,
}: {
  options: OutputOptions;
  presets: ServerPresets;
  onChange: (options: OutputOptions) => void;
}) {
  const id = useId();
  const serverDefault = findPreset(presets, presets.list?.default ?? "");
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
        <option value="">{serverDefault ? `Server default (${serverDefault.title})` : "Server default"}</option>
        {presets.list?.items.map((preset) => (
          <option key={preset.name} value={preset.name}>
            {preset.title}
          </option>
        ))}
      </select>
      <Rules presets={presets} chosen={options.preset} id={`${id}-rules`} />
      <label className="checkbox">
        <input type="checkbox" checked={options.cutout} onChange={(event) => onChange({ ...options, cutout: event.target.checked })} />{" "}
        Also a cut-out (the person on transparency, PNG)
      </label>
    </fieldset>
  );
}
