/**
 * Reads the annotations the compiler understands: `index` (an integer), `comment` (text) and
 * `skeleton_ts` (boolean; false means no servant base). Other languages' keys, such as TCE's
 * `skeleton_js` (its browser-only JavaScript target) or `skeleton_cpp`, are accepted and ignored:
 * TypeScript here runs servers, so only `skeleton_ts` speaks for it.
 */
import type { Annotation } from './ast.js';
import type { Diagnostics, SourcePos } from './errors.js';

/** The annotations of one declaration, checked. */
export interface ReadAnnotations {
  readonly index: { readonly value: number; readonly pos: SourcePos } | undefined;
  readonly comment: string | undefined;
  /** False when skeleton_ts is false. */
  readonly skeleton: boolean;
}

/** Checks and reads `annotations`; problems are recorded as IDL_BAD_ANNOTATION. */
export function readAnnotations(annotations: readonly Annotation[], diagnostics: Diagnostics): ReadAnnotations {
  const seen = new Map<string, Annotation>();
  let index: ReadAnnotations['index'];
  let comment: string | undefined;
  let skeleton = true;
  for (const a of annotations) {
    const first = seen.get(a.key);
    if (first) {
      diagnostics.add('IDL_BAD_ANNOTATION', a.pos, `annotation '${a.key}' given twice (first at line ${first.pos.line})`);
      continue;
    }
    seen.set(a.key, a);
    if (a.key === 'index') {
      if (typeof a.value === 'number' && Number.isInteger(a.value)) index = { value: a.value, pos: a.pos };
      else diagnostics.add('IDL_BAD_ANNOTATION', a.pos, `index must be an integer, not ${JSON.stringify(a.value)}`);
    } else if (a.key === 'comment') {
      if (typeof a.value === 'string') comment = a.value === '' ? undefined : a.value;
      else diagnostics.add('IDL_BAD_ANNOTATION', a.pos, `comment must be a string, not ${JSON.stringify(a.value)}`);
    } else if (a.key === 'skeleton_ts') {
      if (typeof a.value === 'boolean') skeleton &&= a.value;
      else diagnostics.add('IDL_BAD_ANNOTATION', a.pos, `${a.key} must be true or false, not ${JSON.stringify(a.value)}`);
    }
  }
  return { index, comment, skeleton };
}
