// The canvas's node components: a step card, and a container (loop, inline child pipeline) whose body holds
// its steps. Both are memoised and only re-render when their data object changes (Canvas.tsx keeps the data
// object of an unchanged step).
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import type { TreeID } from 'loro-crdt';
import { memo, type CSSProperties } from 'react';
import { navigate } from '../../ui/router';
import { CommentBadge } from '../comments/CommentBadge';

export interface StepData extends Record<string, unknown> {
  name: string;
  type: string;
  typeLabel: string;
  icon: string;
  colour: string;
  summary: string;
  errors: number;
  warnings: number;
  /** For a `pipeline` step with a `pipeline_file`: the file and the team's pipeline of that name (or null). */
  link?: { file: string; id: string | null };
  /** A container with no steps in its body. */
  empty?: boolean;
  readOnly: boolean;
}

export type StepFlowNode = Node<StepData, 'step' | 'container'>;

function Badges({ errors, warnings }: { errors: number; warnings: number }) {
  if (!errors && !warnings) return null;
  return (
    <span className="pc-badges">
      {errors > 0 && (
        <span className="pc-badge error" title={`${errors} error${errors === 1 ? '' : 's'}`} aria-label={`${errors} error${errors === 1 ? '' : 's'}`}>
          {errors}
        </span>
      )}
      {warnings > 0 && (
        <span className="pc-badge warning" title={`${warnings} warning${warnings === 1 ? '' : 's'}`} aria-label={`${warnings} warning${warnings === 1 ? '' : 's'}`}>
          {warnings}
        </span>
      )}
    </span>
  );
}

function PipelineLink({ link }: { link: NonNullable<StepData['link']> }) {
  if (!link.id) return <span className="pc-missing" title="No pipeline of this team has that file name">missing: {link.file}</span>;
  const href = `/p/${link.id}`;
  return (
    <a
      className="pc-link nodrag nopan"
      href={href}
      onClick={(e) => {
        e.preventDefault();
        e.stopPropagation();
        navigate(href);
      }}
    >
      Open {link.file}
    </a>
  );
}

/** The header shared by both node kinds: family icon, name, type, badges, summary. */
function Head({ data, id }: { data: StepData; id: string }) {
  return (
    <div className="pc-head">
      <span className="pc-icon" aria-hidden="true">
        {data.icon}
      </span>
      <div className="pc-titles">
        <div className="pc-title-row">
          <span className="pc-name" title={data.name}>
            {data.name || <em>unnamed</em>}
          </span>
          <Badges errors={data.errors} warnings={data.warnings} />
          <CommentBadge step={id as TreeID} />
        </div>
        <span className="pc-type">{data.typeLabel}</span>
        {data.link ? (
          <PipelineLink link={data.link} />
        ) : (
          data.summary && (
            <span className="pc-summary" title={data.summary}>
              {data.summary}
            </span>
          )
        )}
      </div>
    </div>
  );
}

/** In: the top (sequence) and the right (data) side; out: the bottom and the right. */
function Handles({ connectable }: { connectable: boolean }) {
  return (
    <>
      <Handle type="target" position={Position.Top} id="in" isConnectable={connectable} />
      <Handle type="source" position={Position.Bottom} id="out" isConnectable={connectable} />
      <Handle type="target" position={Position.Right} id="ref-in" className="pc-ref-in" isConnectable={connectable} />
      <Handle type="source" position={Position.Right} id="ref-out" className="pc-ref-out" isConnectable={connectable} />
    </>
  );
}

const style = (data: StepData) => ({ '--pc-colour': data.colour }) as CSSProperties;

export const StepCard = memo(function StepCard({ id, data, selected, isConnectable }: NodeProps<StepFlowNode>) {
  return (
    <div className={`pc-card${selected ? ' selected' : ''}${data.errors ? ' has-errors' : ''}`} style={style(data)}>
      <Handles connectable={isConnectable} />
      <Head data={data} id={id} />
    </div>
  );
});

export const ContainerCard = memo(function ContainerCard({ id, data, selected, isConnectable }: NodeProps<StepFlowNode>) {
  return (
    <div className={`pc-container${selected ? ' selected' : ''}${data.errors ? ' has-errors' : ''}`} style={style(data)}>
      <Handles connectable={isConnectable} />
      <Head data={data} id={id} />
      {data.empty && <div className="pc-empty">{data.readOnly ? 'No steps' : 'Drop steps here'}</div>}
    </div>
  );
});

export const nodeTypes = { step: StepCard, container: ContainerCard };

const HANDLE = 10;
/** Vertical offsets of the right-side data handles (kept in step with canvas.css). */
const REF_OUT_Y = 24;
const REF_IN_Y = 52;

/**
 * Where the handles are, given the node's fixed size. Passing them to React Flow means edges can be drawn
 * without measuring each node's DOM (nodes outside the viewport are never rendered).
 */
export function handleBoxes(w: number, h: number) {
  const half = HANDLE / 2;
  return [
    { id: 'in', type: 'target' as const, position: Position.Top, x: w / 2 - half, y: -half, width: HANDLE, height: HANDLE },
    { id: 'out', type: 'source' as const, position: Position.Bottom, x: w / 2 - half, y: h - half, width: HANDLE, height: HANDLE },
    { id: 'ref-in', type: 'target' as const, position: Position.Right, x: w - half, y: REF_IN_Y - half, width: HANDLE, height: HANDLE },
    { id: 'ref-out', type: 'source' as const, position: Position.Right, x: w - half, y: REF_OUT_Y - half, width: HANDLE, height: HANDLE },
  ];
}
