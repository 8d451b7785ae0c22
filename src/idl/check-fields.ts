/**
 * Checks the fields of a struct or the parameters of an operation, and numbers them for the
 * protobuf encoding: a field's number is its `[index=N]` if given, else its position (1-based).
 */
import type { FieldNode } from './ast.js';
import { readAnnotations } from './annotations.js';
import type { Diagnostics } from './errors.js';
import type { FieldModel, QName } from './model.js';
import { reservedFieldName } from './names.js';
import type { TypeResolver } from './type-resolver.js';

/** Highest protobuf field number. */
const MAX_FIELD = 536870911;

/** `module::name`: how the checker keys declarations. */
export function keyOf(q: QName): string {
  return `${q.module}::${q.name}`;
}

/**
 * Checks struct fields or operation parameters: names unique and allowed, types resolved, numbers
 * in range and unique. A field's number is its `[index=N]` when `indexable`, else its position.
 */
export function checkFields(
  nodes: readonly FieldNode[],
  module: string,
  owner: string,
  types: TypeResolver,
  diagnostics: Diagnostics,
  indexable: boolean,
): FieldModel[] {
  const names = new Map<string, FieldNode>();
  const numbers = new Map<number, FieldNode>();
  const out: FieldModel[] = [];
  nodes.forEach((node, i) => {
    const notes = readAnnotations(node.annotations, diagnostics);
    const reserved = reservedFieldName(node.name);
    if (reserved) diagnostics.add('IDL_RESERVED_NAME', node.pos, `${reserved}; rename the field`);
    const type = types.resolve(node.type, module);
    let number = i + 1;
    if (notes.index && indexable) {
      number = notes.index.value;
      if (number < 1 || number > MAX_FIELD || (number >= 19000 && number <= 19999)) {
        diagnostics.add('IDL_INDEX_RANGE', notes.index.pos, `field index ${number} is outside 1..${MAX_FIELD} or in 19000..19999`);
        return;
      }
    }
    const sameName = names.get(node.name);
    if (sameName) {
      diagnostics.add('IDL_DUPLICATE_NAME', node.pos, `'${node.name}' is declared twice in ${owner} (first at line ${sameName.pos.line})`);
      return;
    }
    names.set(node.name, node);
    const sameNumber = numbers.get(number);
    if (sameNumber) {
      diagnostics.add('IDL_INDEX_COLLISION', node.pos, `field '${node.name}' of ${owner} has number ${number}, as '${sameNumber.name}' has`);
      return;
    }
    numbers.set(number, node);
    if (type) out.push({ name: node.name, number, type, comment: notes.comment, pos: node.pos });
  });
  return out;
}

