/** The IDL compiler: parse, check and generate TypeScript and `.proto` from TCE-style IDL. */
export type { Annotation, AnnotationValue, BasicName, IdlFileNode, TypeNode } from './ast.js';
export { checkIdl } from './checker.js';
export {
  compileIdl,
  compileIdlSources,
  compileWithHost,
  type CompileIdlOptions,
  type CompileOptions,
  type CompileResult,
  type GeneratedFile,
  type SourcesOptions,
} from './compile.js';
export { IdlError, IdlErrorCodes, type IdlErrorCode, type SourcePos } from './errors.js';
export { generateProto } from './gen-proto.js';
export { generateTypeScript, type TsGenOptions } from './gen-typescript.js';
export { loadIdlFiles, type IdlHost } from './loader.js';
export type { FieldModel, IdlModel, InterfaceModel, ModuleModel, OperationModel, QName, StructModel, TypedefModel, TypeRef } from './model.js';
export { parseIdl } from './parser.js';
