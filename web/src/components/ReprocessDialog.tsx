import { useEffect, useId, useRef, useState } from "react";
import { findPreset, presetTitle, type ReprocessOptions, type ServerPresets } from "../presets";
import type { ImageRecord } from "../types";
import { ConfirmDialog } from "./ConfirmDialog";
import { PresetRules } from "./OutputOptionsPanel";

/** The preset choice that keeps each image's own (offered when the images have different ones): no `preset` sent. */
const EACH_OWN = "";

const distinct = <T,>(values: T[]) => [...new Set(values)];

/** What the images have now, in words: "Zalando + cut-out". */
function madeWith(presets: ServerPresets, image: ImageRecord): string {
  return `${presetTitle(presets, image.preset)}${image.cutout ? " + cut-out" : ""}`;
}

/**
 * Asks how to process images again: which preset (the server's list, starting on the images' own) and whether to add
 * the cut-out (starting on theirs). Images with different presets or cut-out choices start on "each its own", which
 * sends nothing for it. `leftOut` selected images are pending, so not asked about.
 */
export function ReprocessDialog({
  images,
  leftOut = 0,
  presets,
  onConfirm,
  onCancel,
}: {
  images: ImageRecord[];
  leftOut?: number;
  presets: ServerPresets;
  onConfirm: (options: ReprocessOptions) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const own = distinct(images.map((image) => image.preset));
  const ownCutouts = distinct(images.map((image) => image.cutout));
  const [preset, setPreset] = useState(own.length === 1 ? own[0] : EACH_OWN);
  // null: the images differ and each keeps its own (the box shows as mixed until it is clicked).
  const [cutout, setCutout] = useState<boolean | null>(ownCutouts.length === 1 ? ownCutouts[0] : null);
  const cutoutBox = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (cutoutBox.current) cutoutBox.current.indeterminate = cutout === null;
  }, [cutout]);

  // The server's presets, and the images' own even before the list has come (or if the server no longer lists one).
  const listed = presets.list?.items.map((item) => item.name) ?? [];
  const choices = [...listed, ...own.filter((name) => !listed.includes(name))];
  const one = images.length === 1 ? images[0] : null;
  const chosen = findPreset(presets, preset);

  return (
    <ConfirmDialog
      title={one ? `Re-process ${one.name || `image #${one.id}`}?` : `Re-process ${images.length} images?`}
      text={
        <>
          <p>
            {one
              ? `Its views are made again and replace the ones it has now (made with ${madeWith(presets, one)}).`
              : "Their views are made again and replace the ones they have now."}
          </p>
          {leftOut > 0 && (
            <p>{leftOut === 1 ? "1 selected image is pending: it is left out." : `${leftOut} selected images are pending: they are left out.`}</p>
          )}
        </>
      }
      confirm="Re-process"
      onConfirm={() => onConfirm({ ...(preset !== EACH_OWN && { preset }), ...(cutout !== null && { cutout }) })}
      onCancel={onCancel}
    >
      <label htmlFor={`${id}-preset`}>Preset</label>
      <select id={`${id}-preset`} aria-describedby={`${id}-rules`} value={preset} onChange={(event) => setPreset(event.target.value)}>
        {own.length > 1 && <option value={EACH_OWN}>Each image's own ({own.map((name) => presetTitle(presets, name)).join(", ")})</option>}
        {choices.map((name) => (
          <option key={name} value={name}>
            {presetTitle(presets, name)}
          </option>
        ))}
      </select>
      {chosen ? (
        <PresetRules preset={chosen} id={`${id}-rules`} />
      ) : (
        <p className="hint" id={`${id}-rules`}>
          {preset === EACH_OWN
            ? "Each image is made again with the preset it has."
            : presets.problem
              ? `The server's presets could not be read (${presets.problem}): only the image's own is offered.`
              : presets.list
                ? "The server no longer lists this preset."
                : "Reading the server's presets…"}
        </p>
      )}
      <label className="checkbox">
        <input
          ref={cutoutBox}
          type="checkbox"
          checked={cutout ?? false}
          aria-describedby={cutout === null ? `${id}-cutout` : undefined}
          onChange={(event) => setCutout(event.target.checked)}
        />{" "}
        Also a cut-out (the person on transparency, PNG)
      </label>
      {cutout === null && (
        <p className="hint" id={`${id}-cutout`}>
          Some of them have one: left as it is, each keeps its own.
        </p>
      )}
    </ConfirmDialog>
  );
}
