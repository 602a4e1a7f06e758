/**
 * Just enough of a DOM document for ProseMirror's DOMSerializer to write
 * into, and the markup it holds, as a string. The export renders through the
 * schema's own toDOM, as the editor does; a full DOM (linkedom) made a
 * 300 KB document take 30 to 100 ms, mostly building event targets and
 * style objects an export never uses.
 *
 * Text is escaped like a browser's innerHTML (& < > and no-break spaces);
 * attribute values escape & and the double quote they sit in, so nothing a
 * document holds can leave its text or its attribute.
 */

/** Elements that have no content and no end tag. */
const VOID = /^(?:area|base|br|col|embed|hr|img|input|link|meta|source|track|wbr)$/

class TextNode {
  readonly nodeType = 3
  constructor(readonly text: string) {}
  write(out: string[]): void {
    out.push(escapeText(this.text))
  }
}

class ElementNode {
  readonly nodeType = 1
  private readonly attributes: Array<[string, string]> = []
  private readonly children: Array<ElementNode | TextNode | FragmentNode> = []
  constructor(readonly tagName: string) {}
  setAttribute(name: string, value: unknown): void {
    const at = this.attributes.findIndex(([n]) => n === name)
    if (at >= 0) this.attributes[at] = [name, String(value)]
    else this.attributes.push([name, String(value)])
  }
  setAttributeNS(_ns: string, name: string, value: unknown): void {
    this.setAttribute(name, value)
  }
  appendChild<T extends ElementNode | TextNode | FragmentNode>(child: T): T {
    this.children.push(child)
    return child
  }
  write(out: string[]): void {
    out.push('<', this.tagName)
    for (const [name, value] of this.attributes) out.push(' ', name, '="', escapeAttribute(value), '"')
    out.push('>')
    if (VOID.test(this.tagName)) return
    for (const child of this.children) child.write(out)
    out.push('</', this.tagName, '>')
  }
}

class FragmentNode {
  readonly nodeType = 11
  private readonly children: Array<ElementNode | TextNode | FragmentNode> = []
  appendChild<T extends ElementNode | TextNode | FragmentNode>(child: T): T {
    this.children.push(child)
    return child
  }
  write(out: string[]): void {
    for (const child of this.children) child.write(out)
  }
}

/** The `document` DOMSerializer is given (its `document` option). */
export const htmlWriterDocument = {
  createDocumentFragment: () => new FragmentNode(),
  createElement: (tagName: string) => new ElementNode(tagName.toLowerCase()),
  createElementNS: (_ns: string, tagName: string) => new ElementNode(tagName),
  createTextNode: (text: string) => new TextNode(text),
}

/** The markup of what DOMSerializer wrote into a node of `htmlWriterDocument`. */
export function markup(node: unknown): string {
  const out: string[] = []
  ;(node as FragmentNode).write(out)
  return out.join('')
}

const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\u00a0': '&#160;' }

function escapeText(text: string): string {
  return text.replace(/[&<>\u00a0]/g, (c) => TEXT_ESCAPES[c]!)
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;')
}
