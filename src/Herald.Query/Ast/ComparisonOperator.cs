namespace Herald.Query.Ast;

internal enum ComparisonOperator
{
    Equal,
    NotEqual,
    Less,
    Greater,
    LessOrEqual,
    GreaterOrEqual,
}

internal static class ComparisonOperatorExtensions
{
    public static bool IsOrdering(this ComparisonOperator op) =>
        op is not (ComparisonOperator.Equal or ComparisonOperator.NotEqual);

    public static string Symbol(this ComparisonOperator op) => op switch
    {
        ComparisonOperator.Equal => "=",
        ComparisonOperator.NotEqual => "!=",
        ComparisonOperator.Less => "<",
        ComparisonOperator.Greater => ">",
        ComparisonOperator.LessOrEqual => "<=",
        _ => ">=",
    };
}
