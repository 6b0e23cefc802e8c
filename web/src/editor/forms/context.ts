// What every widget of one form needs to know besides its own value: read-only, the diagnostics to place,
// the template completions and the names earlier steps go by.
import { createContext, useContext } from 'react';
import type { Diagnostic } from '../../sync/protocol';
import type { Completion } from './completion';

export interface FormContextValue {
  readOnly: boolean;
  /** Server diagnostics with paths relative to the form's object (`prompt[0].step`). */
  diagnostics: Diagnostic[];
  /** Whether to show the browser's own cheap checks (no current server view). */
  localChecks: boolean;
  /** `{{…}}` completions for text fields. */
  completions: Completion[];
  /** Names of the steps a previous_response item may name here. */
  earlierSteps: string[];
  /** Field paths the form never shows nor offers (child step lists, which live in the canvas). */
  hiddenPaths: Set<string>;
}

export const FormContext = createContext<FormContextValue>({
  readOnly: true,
  diagnostics: [],
  localChecks: false,
  completions: [],
  earlierSteps: [],
  hiddenPaths: new Set(),
});

export const useForm = () => useContext(FormContext);
