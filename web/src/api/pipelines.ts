// Pipelines over HTTP: list/search, create from YAML, templates, delete/restore, YAML, export.
import { getJson, request, sendJson, sendYaml } from './client';
import type { Created, PipelineBody, PipelineDetail, PipelinePage, YamlReplaced } from '../gen/api';

export type PipelineSummary = PipelineBody;
export type { PipelinePage, Created };

export const listPipelines = (q: string, signal?: AbortSignal, limit = 100) =>
  getJson<PipelinePage>(`/api/pipelines?limit=${limit}${q.trim() ? `&q=${encodeURIComponent(q)}` : ''}`, signal);

export const listTemplates = () => getJson<PipelinePage>('/api/templates?limit=50');

export const createPipeline = (yaml: string, fileName?: string, team?: string) => {
  const qs = new URLSearchParams();
  if (fileName) qs.set('file_name', fileName);
  if (team) qs.set('team', team);
  return sendYaml<Created>('POST', `/api/pipelines${qs.size ? `?${qs}` : ''}`, yaml);
};

export const instantiateTemplate = (id: string, name?: string) =>
  sendJson<Created>('POST', `/api/templates/${id}/instantiate`, name ? { name } : {});

export const deletePipeline = (id: string) => sendJson<PipelineSummary>('DELETE', `/api/pipelines/${id}`);
export const restorePipeline = (id: string) => sendJson<PipelineSummary>('POST', `/api/pipelines/${id}/restore`);
export const getPipeline = (id: string) =>
  getJson<PipelineDetail>(`/api/pipelines/${id}`);

export async function getYaml(id: string): Promise<string> {
  return (await request('GET', `/api/pipelines/${id}/yaml`)).text();
}

export const putYaml = (id: string, yaml: string) =>
  sendYaml<YamlReplaced>('PUT', `/api/pipelines/${id}/yaml`, yaml);

/** Starts a browser download of `data` as `name`. */
export function download(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function fileNameOf(p: Pick<PipelineSummary, 'file_name' | 'name'>): string {
  if (p.file_name) return p.file_name;
  const slug = p.name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'pipeline';
  return `${slug}.yaml`;
}
