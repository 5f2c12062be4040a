import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from 'graphql';

/**
 * Refuses operations nested deeper than `maxDepth` fields (fragments
 * expanded), so one request cannot fan out into an unbounded query plan.
 * Reported as a validation error (400), never thrown.
 */
export function maxDepthRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of context.getDocument().definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
      if (!set) return 0;
      let max = 0;
      for (const s of set.selections) {
        let d = 0;
        if (s.kind === Kind.FIELD) d = s.name.value.startsWith('__') ? 0 : 1 + depthOf(s.selectionSet, seen);
        else if (s.kind === Kind.INLINE_FRAGMENT) d = depthOf(s.selectionSet, seen);
        else if (!seen.has(s.name.value)) d = depthOf(fragments.get(s.name.value)?.selectionSet, new Set([...seen, s.name.value]));
        max = Math.max(max, d);
        if (max > maxDepth) return max;
      }
      return max;
    };
    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > maxDepth) context.reportError(new GraphQLError(`Query depth ${depth} exceeds the limit of ${maxDepth}`, { nodes: [node] }));
      },
    };
  };
}

/** graphql-js 16 leaves "no mutation type" to execution, where the gateway turns it into a 500; refuse it at validation. */
export function knownOperationTypeRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      const schema = context.getSchema();
      const root = node.operation === 'query' ? schema.getQueryType() : node.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
      if (!root) context.reportError(new GraphQLError(`This API has no ${node.operation} operations`, { nodes: [node] }));
    },
  };
}
