declare module 'virtual:schema-validators' {
  export interface AjvError {
    instancePath: string;
    keyword: string;
    message?: string;
    params: Record<string, unknown>;
  }
  export interface Validator {
    (data: unknown): boolean;
    errors?: AjvError[] | null;
  }
  /** The workflow's settings (`$defs.Workflow`). Every `$defs.<Type>Step` is exported under its name too. */
  export const workflow: Validator;
}
