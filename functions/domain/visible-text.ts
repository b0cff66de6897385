/**
 * What counts as visible text (H24). A justification, deny reason or review note that renders as nothing
 * (zero-width spaces, word joiners, soft hyphens, BOMs, Hangul fillers, Braille blanks, bare combining
 * marks, whitespace) says nothing to an approver, so it is refused like an empty one.
 *
 * Invisible here: whitespace and separators (`\s`, `\p{Z}`), controls (`\p{Cc}`) and format characters
 * (`\p{Cf}`: U+200B, U+200C/D, U+2060, U+FEFF, U+00AD, bidi controls), Unicode `Default_Ignorable_Code_Point`
 * (U+3164 and U+FFA0 Hangul fillers, U+115F/U+1160, variation selectors), marks with no base (`\p{M}`)
 * and U+2800 BRAILLE PATTERN BLANK, which the Unicode standard leaves visible but every renderer draws blank.
 */
const VISIBLE = /[^\s\p{Z}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{M}\u2800]/u;

/** One invisible character (as {@link hasVisibleText} defines them): for escaping text when displayed. */
export const INVISIBLE_CHARACTER = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/u;

/** True when `text` holds at least one character a person can see. */
export function hasVisibleText(text: string): boolean {
  return VISIBLE.test(text);
}
