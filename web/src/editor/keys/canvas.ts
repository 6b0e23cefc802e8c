// Zoom and fit on the canvas through React Flow's own controls (the Canvas renders <Controls/>), so the
// shortcuts do exactly what the buttons do without reaching into the canvas's internals.

export type CanvasAction = 'zoomIn' | 'zoomOut' | 'fit';

const CONTROL: Record<CanvasAction, string> = {
  zoomIn: '.react-flow__controls-zoomin',
  zoomOut: '.react-flow__controls-zoomout',
  fit: '.react-flow__controls-fitview',
};

export function canvasAction(a: CanvasAction): void {
  document.querySelector<HTMLButtonElement>(CONTROL[a])?.click();
}
