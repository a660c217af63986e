// What a message's text becomes on the page, rendered to static markup with react-dom/server:
// the Markdown it may use, the links it may make, and that nothing in it reaches the DOM as
// HTML. (The hand-written linkifier's tests live on here: the library's linkify replaced it.)
import fc from "fast-check";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { oddString, RUNS } from "@/lib/testing/arbitraries";
import { MessageContent } from "./MessageContent";

const render = (text: string, reader?: string) => renderToStaticMarkup(createElement(MessageContent, { text, reader }));

/** The text a reader sees: tags dropped, React's escapes read back. */
function visibleText(markup: string): string {
  return markup
    .replace(/<br\/>/g, "\n")
    .replace(/<\/(p|li|blockquote|pre)>/g, "$&\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, "&")
    .trim();
}

interface Anchor {
  attributes: Record<string, string>;
  text: string;
}

function anchors(markup: string): Anchor[] {
  return [...markup.matchAll(/<a ([^>]*)>(.*?)<\/a>/g)].map((match) => ({
    attributes: Object.fromEntries([...match[1]!.matchAll(/([a-z-]+)="([^"]*)"/g)].map((pair) => [pair[1]!, pair[2]!.replace(/&amp;/g, "&")])),
    text: visibleText(match[2]!),
  }));
}

describe("links in a message", () => {
  it("gives markup back as text", () => {
    const markup = render("hello <b>world</b>");
    expect(markup).not.toContain("<b>");
    expect(visibleText(markup)).toBe("hello <b>world</b>");
  });

  it("turns http and https addresses into links that open apart and vouch for nothing", () => {
    const found = anchors(render("see https://example.com/a?b=1 and http://x.org"));
    expect(found.map((a) => [a.text, a.attributes.href])).toEqual([
      ["https://example.com/a?b=1", "https://example.com/a?b=1"],
      ["http://x.org", "http://x.org/"],
    ]);
    for (const anchor of found) {
      expect(anchor.attributes).toEqual({ href: anchor.attributes.href, target: "_blank", rel: "noopener noreferrer nofollow ugc" });
    }
  });

  it("leaves sentence punctuation and unbalanced brackets outside the link", () => {
    const markup = render("(docs: https://example.com/x_(y)). Thanks!");
    expect(anchors(markup).map((a) => a.text)).toEqual(["https://example.com/x_(y)"]);
    expect(visibleText(markup)).toBe("(docs: https://example.com/x_(y)). Thanks!");
    expect(anchors(render("see https://example.com/docs?page=2. and more")).map((a) => a.text)).toEqual(["https://example.com/docs?page=2"]);
  });

  // Guards issue 11: an Arabic question mark after an address became part of the link.
  it("leaves an Arabic question mark, and other scripts' punctuation, outside the link", () => {
    for (const mark of ["؟", "،", "。", "！"]) {
      const markup = render(`هل رأيت https://example.com/page${mark}`);
      expect(anchors(markup).map((a) => [a.text, a.attributes.href])).toEqual([["https://example.com/page", "https://example.com/page"]]);
      expect(visibleText(markup)).toBe(`هل رأيت https://example.com/page${mark}`);
    }
  });

  it("never links other schemes, written out or as Markdown links", () => {
    for (const text of [
      "javascript:alert(1)",
      "data:text/html,<script>x</script>",
      "ftp://example.com",
      "JaVaScRiPt:alert(1)",
      "//example.com/x",
      "[x](javascript:alert(1))",
      "[x](JAVASCRIPT:alert(1))",
      "[x](&#106;avascript:alert(1))",
      "[x](java%0ascript:alert(1))",
      "[x]( javascript:alert(1))",
      "<javascript:alert(1)>",
      "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
      "[x](data:image/png;base64,iVBORw0KGgo=)",
      "[x](vbscript:msgbox(1))",
      "[x](file:///etc/passwd)",
      "[x](/rooms/elsewhere)",
      "readme.md and example.com",
    ]) {
      expect(anchors(render(text)), text).toEqual([]);
    }
  });

  it("links e-mail addresses and mailto links", () => {
    expect(anchors(render("write to ada@example.com or [me](mailto:gage@example.com)")).map((a) => a.attributes.href)).toEqual([
      "mailto:ada@example.com",
      "mailto:gage@example.com",
    ]);
  });

  it("does not let a quote end the text inside an attribute", () => {
    const markup = render('https://example.com/"onmouseover="x');
    const [link] = anchors(markup);
    expect(Object.keys(link!.attributes).sort()).toEqual(["href", "rel", "target"]);
    expect(link!.attributes.href).not.toContain('"');
    expect(markup).not.toMatch(/<[^>]*\sonmouseover=/);
  });

  it("keeps every character of the text, line breaks within a paragraph included", () => {
    const markup = render("line one\nhttps://example.com\n\n  indented https://a.b/c. end");
    expect(visibleText(markup)).toBe("line one\nhttps://example.com\nindented https://a.b/c. end");
    expect(markup.match(/<p dir="auto">/g)).toHaveLength(2);
  });
});

describe("text that reorders itself (bidi)", () => {
  // Guards issue 16: "…/files/\u202Egnp.exe" displayed as "…/files/exe.png".
  it("shows a link's text without bidi controls, left to right, and keeps them encoded in its address", () => {
    const markup = render("see https://example.com/files/\u202egnp.exe for the picture");
    expect(markup).toContain(
      '<bdi dir="ltr"><a href="https://example.com/files/%E2%80%AEgnp.exe" target="_blank" rel="noopener noreferrer nofollow ugc">https://example.com/files/gnp.exe</a></bdi>',
    );
    expect(visibleText(render("[\u202egnp.exe](https://example.com/x)"))).toBe("gnp.exe");
  });

  it("isolates each run of text, so an override cannot reach past it", () => {
    const markup = render("\u202eflipped? https://example.com/docs and after");
    expect(markup).toContain('<span class="text-run">\u202eflipped? </span><bdi dir="ltr">');
    expect(markup).toContain('</bdi><span class="text-run"> and after</span>');
  });

  it("lets each paragraph, item and quote take the direction of its own text", () => {
    expect(render("مرحبا!")).toBe('<p dir="auto"><span class="text-run">مرحبا!</span></p>');
    expect(render("> שלום\n\n- a")).toMatch(/^<blockquote dir="auto"><p dir="auto">.*<\/blockquote><ul><li dir="auto">/);
  });
});

describe("Markdown in a message", () => {
  it("draws bold, italic, strikethrough and inline code", () => {
    expect(render("**bold** *it* _it2_ ~~gone~~ `a <b> c`")).toBe(
      '<p dir="auto"><strong><span class="text-run">bold</span></strong><span class="text-run"> </span><em><span class="text-run">it</span></em>' +
        '<span class="text-run"> </span><em><span class="text-run">it2</span></em><span class="text-run"> </span><s><span class="text-run">gone</span></s>' +
        '<span class="text-run"> </span><code>a &lt;b&gt; c</code></p>',
    );
  });

  it("draws fenced code blocks as text that scrolls in its own box", () => {
    expect(render("```js\n<b>x</b>\n  indented\n```")).toBe('<pre class="code-block" tabindex="0"><code>&lt;b&gt;x&lt;/b&gt;\n  indented</code></pre>');
  });

  it("draws block quotes and lists, numbered ones from their first number", () => {
    expect(render("> quoted")).toBe('<blockquote dir="auto"><p dir="auto"><span class="text-run">quoted</span></p></blockquote>');
    expect(render("Two questions:\n- one\n- two")).toBe(
      '<p dir="auto"><span class="text-run">Two questions:</span></p><ul><li dir="auto"><span class="text-run">one</span></li><li dir="auto"><span class="text-run">two</span></li></ul>',
    );
    expect(render("3. c\n4. d")).toMatch(/^<ol start="3"><li dir="auto">/);
  });

  it("draws Markdown links to web addresses", () => {
    expect(anchors(render("[the notes](https://example.com/notes)"))).toEqual([
      { attributes: { href: "https://example.com/notes", target: "_blank", rel: "noopener noreferrer nofollow ugc" }, text: "the notes" },
    ]);
  });

  it("leaves headings, rules, images, tables, entities and raw HTML as the text that was typed", () => {
    for (const text of ["# 1 priority", "---", "| a | b |\n|---|---|\n| 1 | 2 |", "&lt;b&gt; &amp; &copy;", "<i>x</i>"]) {
      const markup = render(text);
      expect(markup, text).not.toMatch(/<(h\d|hr|img|table|i)\b/);
      expect(visibleText(markup), text).toBe(text);
    }
    // An image is never loaded: what is left of it is a link to its address.
    const image = render("![cat](https://example.com/cat.png)");
    expect(image).not.toContain("<img");
    expect(anchors(image).map((a) => [a.text, a.attributes.href])).toEqual([["cat", "https://example.com/cat.png"]]);
  });

  it("keeps backslash escapes for characters people mean literally", () => {
    expect(visibleText(render("\\*not bold\\*"))).toBe("*not bold*");
  });
});

describe("mentions in a message", () => {
  it("marks each @name, and the reader's own name apart, never inside code", () => {
    const markup = render("hi @Ada and @gage, not `@ada`", "ada");
    expect(markup).toContain('<span class="mention mention-you">@Ada</span>');
    expect(markup).toContain('<span class="mention">@gage</span>');
    expect(markup).toContain("<code>@ada</code>");
    expect(render("mail ada@example.com", "ada")).not.toContain("mention");
  });
});

describe("no HTML from a message reaches the DOM as HTML", () => {
  const ALLOWED: Partial<Record<string, readonly string[]>> = {
    p: ["dir"],
    span: ["class"],
    strong: [],
    em: [],
    s: [],
    code: [],
    pre: ["class", "tabindex"],
    blockquote: ["dir"],
    ul: [],
    ol: ["start"],
    li: ["dir"],
    br: [],
    bdi: ["dir"],
    a: ["href", "target", "rel"],
  };

  /** What is wrong with the markup, if anything: a tag the renderer does not make, an attribute it does not set, a link it does not allow. */
  function foreignMarkup(markup: string): string | null {
    const tags = [...markup.matchAll(/<(\/?)([a-z0-9]+)((?:\s[a-z-]+="[^"<>]*")*)\s*(\/?)>/g)];
    // Every "<" in the markup starts one of the tags found: text holds only "&lt;".
    if (tags.length !== markup.split("<").length - 1) return "a < outside the tags";
    for (const [tag, , name, attributes] of tags) {
      const allowed = ALLOWED[name!];
      if (!allowed) return tag;
      for (const [, attribute, value] of attributes!.matchAll(/\s([a-z-]+)="([^"]*)"/g)) {
        if (!allowed.includes(attribute!)) return tag;
        if (attribute === "href" && !/^(https?:\/\/|mailto:)/.test(value!)) return tag;
      }
    }
    return null;
  }

  function onlyOwnMarkup(markup: string): void {
    expect(foreignMarkup(markup), markup).toBeNull();
  }

  it("keeps script tags, event attributes, entities and nested links as text", () => {
    for (const text of [
      "<script>window.__pwned=1</script><b>bold</b>",
      '<img src=x onerror="alert(1)">',
      '<a href="https://example.com" onclick="alert(1)">x</a>',
      '[x](https://example.com "t" onclick=alert(1))',
      "&lt;script&gt;alert(1)&lt;/script&gt;",
      "&#60;script&#62;alert(1)&#60;/script&#62;",
      "```\n</code></pre><script>alert(1)</script>\n```",
      "`</code><script>alert(1)</script>`",
      "[<script>alert(1)</script>](https://example.com)",
      "<https://example.com/\"onmouseover=\"alert(1)>",
    ]) {
      const markup = render(text);
      // Text keeps "<" as "&lt;": a "<" in the markup is a tag, and onlyOwnMarkup checks each one's attributes.
      expect(markup, text).not.toMatch(/<(script|img|b|i)\b/);
      onlyOwnMarkup(markup);
    }
  });

  it("never puts a link inside a link", () => {
    for (const text of ["[[inner](https://a.example)](https://b.example)", "[https://a.example](https://b.example)", "[see <https://a.example>](https://b.example)"]) {
      const markup = render(text);
      expect(markup, text).not.toMatch(/<a [^>]*>(?:(?!<\/a>).)*<a /);
    }
    expect(anchors(render("[https://a.example](https://b.example)")).map((a) => a.attributes.href)).toEqual(["https://b.example/"]);
  });

  it(`holds for generated text: Markdown and HTML pieces, and odd strings (${RUNS} inputs)`, () => {
    const piece = fc.constantFrom(
      "<", ">", "</", "[", "]", "(", ")", "`", "```", "*", "**", "_", "~~", "\n", "\n\n", " ", "    ", "\\", "&", "&#", ";", "#", '"', "'", "=", ":",
      "/", "!", "javascript:", "data:", "vbscript:", "https://", "http://", "mailto:", "//", "ada", "@ada", "a@b.co", "onclick", "script", "img",
      "\u202e", "\u2066", "؟", "> ", "- ", "1. ", "example.com", "%22", "%0a", "\u0000",
    );
    const text = fc.oneof(fc.array(piece, { maxLength: 40 }).map((pieces) => pieces.join("")), oddString);
    fc.assert(
      fc.property(text, (input) => foreignMarkup(render(input)) === null),
      { numRuns: RUNS },
    );
  }, 120_000);
});
