// FIRST CUT (being replaced): the server's exact export.
import { useEditor } from './state';

export function YamlPane() {
  const { view } = useEditor();
  return <pre className="yaml-pre" aria-label="YAML">{view?.yaml ?? 'Loading…'}</pre>;
}
