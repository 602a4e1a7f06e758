/**
 * Markdown-style input rules: "# " heading, "* " / "- " bullets, "1. "
 * numbers, "[ ] " tasks, "> " quotes, "```" code blocks, "---" rules, and
 * **bold**, *italic*, `code` as you type.
 */
import {
  inputRules,
  wrappingInputRule,
  textblockTypeInputRule,
  InputRule,
  smartQuotes,
  ellipsis,
  emDash,
} from 'prosemirror-inputrules'
import type { MarkType } from 'prosemirror-model'
import type { Plugin } from 'prosemirror-state'
import { schema } from '../../shared/schema.js'

const { nodes, marks } = schema

/** `**text**` -> bold text (the delimiters are removed). */
function markRule(pattern: RegExp, type: MarkType): InputRule {
  return new InputRule(pattern, (state, match, start, end) => {
    const text = match[1]
    if (!text) return null
    const $start = state.doc.resolve(start)
    if (!$start.parent.type.allowsMarkType(type)) return null
    return state.tr.replaceWith(start, end, schema.text(text, [...$start.marks(), type.create()])).removeStoredMark(type)
  })
}

/** Every input rule, in the order they are tried. */
export const rules: InputRule[] = [
  textblockTypeInputRule(/^(#{1,3})\s$/, nodes.heading, (match) => ({ level: match[1]!.length })),
  wrappingInputRule(/^\s*>\s$/, nodes.blockquote),
  wrappingInputRule(/^\s*\[( |x)?\]\s$/, nodes.task_list),
  wrappingInputRule(/^\s*([-+*])\s$/, nodes.bullet_list),
  wrappingInputRule(
    /^(\d+)\.\s$/,
    nodes.ordered_list,
    (match) => ({ order: Number(match[1]) }),
    (match, node) => node.childCount + node.attrs.order === Number(match[1]),
  ),
  textblockTypeInputRule(/^```$/, nodes.code_block),
  // "--" has already become an em dash by the third "-".
  new InputRule(/^(?:---|—-)$/, (state, _match, start, end) => {
    const $start = state.doc.resolve(start)
    if ($start.parent.type !== nodes.paragraph || $start.depth < 1) return null
    return state.tr.replaceRangeWith($start.before(), $start.after(), nodes.horizontal_rule.create())
  }),
  markRule(/\*\*([^*]+)\*\*$/, marks.bold),
  markRule(/(?<!\*)\*([^*\s][^*]*)\*$/, marks.italic),
  markRule(/`([^`]+)`$/, marks.code),
  ...smartQuotes,
  ellipsis,
  emDash,
]

/** The input-rules plugin for the editor. */
export function markdownInputRules(): Plugin {
  return inputRules({ rules })
}
