// Bidirectional-text controls: characters that reorder how the text around them is
// displayed. In a message they can make a link's text read as something it is not
// ("files/\u202Egnp.exe" displays as "files/exe.png"), so link text is shown without them.

/** U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069: marks, embeddings, overrides, isolates. */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function withoutBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, "");
}
