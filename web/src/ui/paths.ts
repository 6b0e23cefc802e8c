// The editor's address, shared by the router and boot.ts (which must stay free of React).
export function editorPipelineId(path: string): string | null {
  const m = /^\/p\/([^/]+)\/?$/.exec(path);
  return m ? decodeURIComponent(m[1]) : null;
}
