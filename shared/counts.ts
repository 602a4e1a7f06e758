/**
 * Word and character counts of plain text, the rules behind the editor's
 * status bar. Pure and regex-based so that counting a whole document on
 * every keystroke stays cheap (Intl.Segmenter's word mode would split
 * Japanese and Thai better, but costs a dictionary lookup per word).
 *
 * Words:
 * - a run of letters, digits and combining marks in any script (Latin,
 *   Cyrillic, Greek, Hangul, Arabic…) is one word, so "안녕하세요 세계" is 2;
 * - such runs joined by one inner apostrophe, hyphen, period or underscore
 *   stay one word: "don't", "well-known", "3.14", "snake_case";
 * - each Han ideograph, Hiragana or Katakana character is a word of its own,
 *   since Chinese and Japanese do not separate words with spaces;
 * - scripts without spaces that are not covered (Thai, Lao, Khmer) count a
 *   whole phrase as one word.
 *
 * Characters are Unicode code points (an emoji is one, not two UTF-16
 * units), not counting the line breaks between blocks.
 */

/** The word and character count of a text. */
export interface TextCounts {
  readonly words: number
  readonly characters: number
}

const CJK = String.raw`\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}`
const LETTER = String.raw`(?:(?![${CJK}])[\p{L}\p{N}\p{M}])`
const WORD = new RegExp(String.raw`[${CJK}]|${LETTER}+(?:['’\-._]${LETTER}+)*`, 'gu')

/** Counts the words and characters of `text` by the rules above; "\n" separates blocks and is not counted. */
export function countText(text: string): TextCounts {
  let words = 0
  for (const _ of text.matchAll(WORD)) words++
  let characters = 0
  for (const char of text) if (char !== '\n') characters++
  return { words, characters }
}
