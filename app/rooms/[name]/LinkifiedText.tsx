// Message text as text: URLs become links, everything else is rendered by React as plain text.
// Each part is a bidi isolate (<bdi>), so direction controls or right-to-left text in one
// part cannot reorder another: a message cannot disguise where its links go. A link's
// text is also shown without bidi controls, and always left to right, as URLs read.
import { withoutBidiControls } from "../../utils/bidi";
import { linkify } from "../../utils/linkify";

export function LinkifiedText({ text }: { text: string }) {
  return (
    <>
      {linkify(text).map((part, index) =>
        part.kind === "link" ? (
          <bdi key={index} dir="ltr">
            <a href={part.href} target="_blank" rel="noopener noreferrer nofollow">
              {withoutBidiControls(part.text)}
            </a>
          </bdi>
        ) : (
          <bdi key={index}>{part.text}</bdi>
        ),
      )}
    </>
  );
}
