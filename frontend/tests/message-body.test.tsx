import { render } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { MessageBody, renderMessageBody } from "../components/message-body";
import { capLineNesting, findMentions, safeHref } from "../lib/markdown";

function show(body: string, props: Partial<Parameters<typeof MessageBody>[0]> = {}) {
  const { container } = render(<MessageBody body={body} {...props} />);
  const root = container.querySelector(".message-body");
  if (!root) throw new Error("no .message-body");
  return root as HTMLElement;
}

/** No element may run script, load anything, or link anywhere but http(s)/mailto. */
function expectSafe(root: HTMLElement) {
  const elements = [root, ...Array.from(root.querySelectorAll("*"))];
  for (const element of elements) {
    for (const attribute of Array.from(element.attributes)) {
      expect(attribute.name.toLowerCase().startsWith("on"), `${element.tagName} ${attribute.name}`).toBe(false);
      expect(["src", "srcset", "style", "formaction", "action", "srcdoc"]).not.toContain(attribute.name.toLowerCase());
    }
    expect(["SCRIPT", "IMG", "IFRAME", "OBJECT", "EMBED", "STYLE", "LINK", "META", "SVG", "MATH", "FORM", "VIDEO", "AUDIO", "BASE"]).not.toContain(
      element.tagName.toUpperCase(),
    );
  }
  for (const link of Array.from(root.querySelectorAll("[href]"))) {
    const href = link.getAttribute("href") ?? "";
    expect(new URL(href).protocol, href).toMatch(/^(https?|mailto):$/);
    expect(link.tagName).toBe("A");
    expect(link).toHaveAttribute("target", "_blank");
    expect(link).toHaveAttribute("rel", "noopener noreferrer");
  }
}

function treeDepth(root: Element): number {
  let deepest = 0;
  const stack: [Element, number][] = [[root, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    deepest = Math.max(deepest, item[1]);
    for (const child of Array.from(item[0].children)) stack.push([child, item[1] + 1]);
  }
  return deepest;
}

const HOSTILE = [
  "<script>alert(1)</script>",
  "before <script>alert(1)</script> after",
  "<img src=x onerror=alert(1)>",
  '<img src="x" onerror="alert(1)">',
  '<div onclick="alert(1)" onmouseover="alert(2)">hover</div>',
  '<a href="javascript:alert(1)">click</a>',
  '<a href="https://example.com" onclick="alert(1)">click</a>',
  '<iframe src="https://evil.example"></iframe>',
  '<svg onload="alert(1)"><circle/></svg>',
  '<style>body{display:none}</style>',
  '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
  "[x](javascript:alert(1))",
  "[x](JaVaScRiPt:alert(1))",
  "[x](  javascript:alert(1))",
  "[x](javascript&#58;alert(1))",
  "[x](&#106;avascript:alert(1))",
  "[x](java%0ascript:alert(1))",
  "[x](vbscript:msgbox(1))",
  "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
  "[x](file:///etc/passwd)",
  "[x](//evil.example/path)",
  "[x](/relative)",
  '[x](https://example.com "title" onclick="alert(1)")',
  "<javascript:alert(1)>",
  "[x][ref]\n\n[ref]: javascript:alert(1)",
  "![alt](https://tracker.example/pixel.png)",
  "![alt](javascript:alert(1))",
  "![alt][img]\n\n[img]: https://tracker.example/p.png",
  "[![img](https://tracker.example/p.png)](https://example.com)",
  "text[^1]\n\n[^1]: a footnote",
  "# Heading\n\n## Sub",
  "| a | b |\n|---|---|\n| <b>1</b> | [x](javascript:alert(1)) |",
  "- [x] done\n- [ ] todo",
  "`<script>alert(1)</script>`",
  "```html\n<script>alert(1)</script>\n```",
  "<!-- comment --> &lt;b&gt; &amp; &#x3C;script&#x3E;",
];

describe("MessageBody safety", () => {
  it.each(HOSTILE)("renders %j without anything active", (body) => {
    const root = show(body);
    expectSafe(root);
  });

  it("shows raw HTML as the text that was typed", () => {
    expect(show("<script>alert(1)</script>")).toHaveTextContent("<script>alert(1)</script>");
    const img = show("<img src=x onerror=alert(1)>");
    expect(img).toHaveTextContent("<img src=x onerror=alert(1)>");
    expect(img.querySelector("img")).toBeNull();
    expect(show('<a href="javascript:alert(1)">click</a>')).toHaveTextContent('<a href="javascript:alert(1)">click</a>');
  });

  it("shows links to other schemes as their source text", () => {
    for (const body of ["[x](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x](vbscript:msgbox(1))", "[x](/relative)"]) {
      const root = show(body);
      expect(root.querySelector("a")).toBeNull();
      expect(root).toHaveTextContent(body);
    }
    const data = show("[x](data:text/html;base64,PHNjcmlwdD4=)");
    expect(data.querySelector("a")).toBeNull();
    expect(data).toHaveTextContent("[x](data:text/html;base64,PHNjcmlwdD4=)");
    expect(show("[x](  javascript:alert(1))").querySelector("a")).toBeNull();
    expect(show("[x][ref]\n\n[ref]: javascript:alert(1)").querySelector("a")).toBeNull();
  });

  it("never nests a link in a link: an image inside one is its description", () => {
    const root = show("[![a badge](https://example.com/b.png)](https://example.com)");
    expect(root.querySelectorAll("a")).toHaveLength(1);
    expect(root.querySelector("a")).toHaveTextContent("a badge");
    expect(root.querySelector("a")).toHaveAttribute("href", "https://example.com/");
  });

  it("never loads images: an image becomes a link to it, or its text", () => {
    const root = show("![a cat](https://example.com/cat.png)");
    expect(root.querySelector("img")).toBeNull();
    const link = root.querySelector("a");
    expect(link).toHaveAttribute("href", "https://example.com/cat.png");
    expect(link).toHaveTextContent("a cat");
    const bad = show("![alt](javascript:alert(1))");
    expect(bad.querySelector("a, img")).toBeNull();
    expect(bad).toHaveTextContent("![alt](javascript:alert(1))");
  });

  it("renders quotes nested 1,000 deep without overflowing, capped", () => {
    const started = performance.now();
    const root = show(`${">".repeat(1000)} deep`);
    expect(root).toHaveTextContent("deep");
    expect(root.querySelectorAll("blockquote").length).toBeLessThanOrEqual(8);
    expect(performance.now() - started).toBeLessThan(4000);
  });

  it("survives other deep nesting: mixed quotes and lists, emphasis", () => {
    for (const body of ["> - ".repeat(1000), "1. > ".repeat(800), `${"*".repeat(1990)}a${"*".repeat(1990)}`, `${"- ".repeat(40)}x\n`.repeat(20)]) {
      const root = show(body);
      expectSafe(root);
      expect(treeDepth(root)).toBeLessThan(40);
    }
  });

  it("renders a 4,000-character line without spaces", () => {
    const line = "x".repeat(4000);
    const root = show(line);
    expect(root.textContent).toBe(line);
    const url = `https://example.com/${"a".repeat(3980)}`;
    expect(show(url).querySelector("a")).toHaveAttribute("href", url);
  });

  it("keeps unicode, emoji and CJK as typed", () => {
    const body = "你好，世界 👋🏽 — こんにちは 안녕하세요 👨‍👩‍👧 e\u0301 עברית";
    expect(show(body).textContent).toBe(body);
  });
});

describe("MessageBody formatting", () => {
  it("renders bold, italic, strikethrough and inline code", () => {
    const root = show("**bold** *italic* _also_ ~~gone~~ `a < b`");
    expect(root.querySelector("strong")).toHaveTextContent("bold");
    expect(Array.from(root.querySelectorAll("em")).map((e) => e.textContent)).toEqual(["italic", "also"]);
    expect(root.querySelector("del")).toHaveTextContent("gone");
    expect(root.querySelector("code")).toHaveTextContent("a < b");
  });

  it("renders fenced code blocks as preformatted text, without interpreting them", () => {
    const root = show("```js\nconst x = **1**; // @alice <b>\n  indented\n```");
    const pre = root.querySelector("pre");
    expect(pre?.querySelector("code")?.textContent).toBe("const x = **1**; // @alice <b>\n  indented\n");
    expect(pre?.querySelector("strong, .mention, b")).toBeNull();
  });

  it("renders quotes and lists", () => {
    const root = show("> quoted\n\n- one\n- two\n\n1. first\n2. second");
    expect(root.querySelector("blockquote")).toHaveTextContent("quoted");
    expect(Array.from(root.querySelectorAll("ul > li")).map((li) => li.textContent)).toEqual(["one", "two"]);
    expect(Array.from(root.querySelectorAll("ol > li")).map((li) => li.textContent)).toEqual(["first", "second"]);
  });

  it("keeps the sender's line breaks and adds no blank text between blocks", () => {
    const root = show("line one\nline two\n\n> quote");
    expect(root.querySelector("p")?.textContent).toBe("line one\nline two");
    const texts = Array.from(root.childNodes).filter((n) => n.nodeType === Node.TEXT_NODE);
    expect(texts).toHaveLength(0);
    // A hard break (two spaces, or a backslash) is one line break, not two.
    expect(show("one  \ntwo\\\nthree").querySelector("p")?.innerHTML).toBe("one<br>two<br>three");
  });

  it("renders headings as bold paragraphs", () => {
    const root = show("# Big news");
    expect(root.querySelector("h1, h2, h3, h4, h5, h6")).toBeNull();
    expect(root.querySelector("p > strong")).toHaveTextContent("Big news");
  });

  it("links bare URLs, <autolinks>, [text](url) and mailto, opening in a new tab", () => {
    const root = show(
      "see https://example.com/a?b=1, www.example.org and <https://example.net> or [docs](https://docs.example.com/x) or mail bob@example.com / [me](mailto:me@example.com)",
    );
    const links = Array.from(root.querySelectorAll("a"));
    expect(links.map((a) => a.getAttribute("href"))).toEqual([
      "https://example.com/a?b=1",
      "http://www.example.org/",
      "https://example.net/",
      "https://docs.example.com/x",
      "mailto:bob@example.com",
      "mailto:me@example.com",
    ]);
    expect(links.map((a) => a.textContent)).toEqual([
      "https://example.com/a?b=1",
      "www.example.org",
      "https://example.net",
      "docs",
      "bob@example.com",
      "me",
    ]);
    for (const link of links) {
      expect(link).toHaveAttribute("target", "_blank");
      expect(link).toHaveAttribute("rel", "noopener noreferrer");
    }
    expectSafe(root);
  });
});

describe("MessageBody mentions", () => {
  it("marks @names, the reader's own and @room / @here", () => {
    const root = show("hi @Alice and @bob, @room! also @here.", { currentUsername: "alice" });
    const mentions = Array.from(root.querySelectorAll(".mention"));
    expect(mentions.map((m) => m.textContent)).toEqual(["@Alice", "@bob", "@room", "@here"]);
    expect(mentions.map((m) => m.classList.contains("mention-self"))).toEqual([true, false, false, false]);
  });

  it("marks @room as reaching the reader when the server says it was allowed", () => {
    const root = show("@room lunch?", { currentUsername: "alice", mentionsEveryone: true });
    expect(root.querySelector(".mention")).toHaveClass("mention", "mention-self");
    expect(root).toHaveAttribute("data-mentions-me", "true");
  });

  it("tells from the server's mention ids whether the message names the reader", () => {
    expect(show("hey @alice", { currentUserId: 1, mentions: [1, 2] })).toHaveAttribute("data-mentions-me", "true");
    expect(show("hey @bob", { currentUserId: 1, mentions: [2] })).not.toHaveAttribute("data-mentions-me");
  });

  it("does not mark mentions in code, code blocks, links or e-mail addresses", () => {
    const root = show("`@alice` and\n\n```\n@alice\n```\n\n[@alice](https://example.com) bob@alice.example", {
      currentUsername: "alice",
    });
    expect(root.querySelector(".mention")).toBeNull();
  });

  it("marks mentions inside formatting and quotes", () => {
    const root = show("> **@alice** see _@bob_", { currentUsername: "alice" });
    expect(Array.from(root.querySelectorAll(".mention")).map((m) => m.className)).toEqual(["mention mention-self", "mention"]);
  });

  it("finds mention tokens by the username rules", () => {
    const names = (s: string) => findMentions(s).map((m) => m.name);
    expect(names("@al @bob @a_b.c-d @x.y. end")).toEqual(["bob", "a_b.c-d", "x.y"]);
    expect(names("mail a@bob.example @@carol")).toEqual([]);
    expect(names(`@${"a".repeat(32)} @${"a".repeat(33)}`)).toEqual(["a".repeat(32)]);
  });
});

describe("markdown helpers", () => {
  it("allows only absolute http(s) and mailto hrefs", () => {
    expect(safeHref("https://example.com")).toBe("https://example.com/");
    expect(safeHref(" HTTP://Example.COM/a ")).toBe("http://example.com/a");
    expect(safeHref("mailto:a@b.example")).toBe("mailto:a@b.example");
    for (const bad of ["javascript:alert(1)", "JAVASCRIPT:x", "java\tscript:x", "java\nscript:x", "data:text/html,x", "vbscript:x", "/x", "//x.example", "x", "http://", "file:///x", ""]) {
      expect(safeHref(bad), bad).toBeNull();
    }
  });

  it("caps container markers on a line, outside code fences", () => {
    expect(capLineNesting(">>>>>>>>>>>> x", 3)).toBe(">>>\\>>>>>>>>> x");
    expect(capLineNesting("> > x", 3)).toBe("> > x");
    expect(capLineNesting("```\n>>>>>>>>>>>>\n```", 3)).toBe("```\n>>>>>>>>>>>>\n```");
  });

  it("builds each body's tree once", () => {
    expect(renderMessageBody("**same**")).toBe(renderMessageBody("**same**"));
    expect(renderMessageBody("**same**", { currentUsername: "x" })).not.toBe(renderMessageBody("**same**"));
  });
});
