// Starting points offered when creating a pipeline (besides the team's own templates).
export interface Starter {
  id: string;
  title: string;
  description: string;
  yaml: string;
}

export const STARTERS: Starter[] = [
  {
    id: 'blank',
    title: 'Blank pipeline',
    description: 'An empty workflow: add steps from the library.',
    yaml: 'workflow:\n  name: untitled_pipeline\n  steps: []\n',
  },
  {
    id: 'analyze-summarize',
    title: 'Analyze, then summarize',
    description: 'Gemini plans, Claude analyzes, Gemini summarizes the analysis.',
    yaml: `workflow:
  name: analyze_and_summarize
  description: Plan, analyze and summarize
  steps:
    - name: plan
      type: gemini
      prompt:
        - type: static
          content: "Make a short plan for reviewing this codebase."
    - name: analyze
      type: claude
      prompt:
        - type: static
          content: "Follow the plan:"
        - type: previous_response
          step: plan
    - name: summarize
      type: gemini
      prompt:
        - type: static
          content: "Summarize the findings:"
        - type: previous_response
          step: analyze
`,
  },
  {
    id: 'loop-items',
    title: 'Loop over items',
    description: 'Claude lists items, then a for_loop reviews each one.',
    yaml: `workflow:
  name: for_each_item
  steps:
    - name: list_items
      type: claude_extract
      prompt:
        - type: static
          content: "List the modules to review as JSON: {\\"items\\": [...]}"
    - name: review_each
      type: for_loop
      iterator: item
      data_source: "list_items:items"
      steps:
        - name: review
          type: claude
          prompt:
            - type: static
              content: "Review {{loop.item}}"
`,
  },
];
