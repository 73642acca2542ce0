namespace Herald.Query.Ast;

/// <summary>A node of a parsed query. The tree is immutable and is compiled before evaluation.</summary>
internal abstract record QueryNode;

/// <summary>The empty query: matches every event.</summary>
internal sealed record MatchAllNode : QueryNode;

/// <summary>All operands must match; an AND chain is kept flat.</summary>
internal sealed record AndNode(IReadOnlyList<QueryNode> Operands) : QueryNode;

/// <summary>Any operand must match; an OR chain is kept flat.</summary>
internal sealed record OrNode(IReadOnlyList<QueryNode> Operands) : QueryNode;

/// <summary>Herald's extension: the operand must not match.</summary>
internal sealed record NotNode(QueryNode Operand) : QueryNode;

/// <summary><c>path operator literal</c>; <paramref name="OperatorColumn"/> locates errors found later.</summary>
internal sealed record ComparisonNode(
    IReadOnlyList<PathSegment> Path,
    ComparisonOperator Operator,
    Literal Value,
    int OperatorColumn) : QueryNode;
