using Herald.Query.Ast;
using Herald.Query.Parsing;

namespace Herald.Query.Tests.Parsing;

public sealed class QueryParserTests
{
    [Fact]
    public void Parse_AndOr_AndBindsTighter()
    {
        var node = QueryParser.Parse("a=1 OR b=2 AND c=3");

        var or = Assert.IsType<OrNode>(node);
        Assert.IsType<ComparisonNode>(or.Operands[0]);
        Assert.Equal(2, Assert.IsType<AndNode>(or.Operands[1]).Operands.Count);
    }

    [Fact]
    public void Parse_Not_BindsTighterThanAnd()
    {
        var node = QueryParser.Parse("NOT a=1 AND b=2");

        var and = Assert.IsType<AndNode>(node);
        Assert.IsType<NotNode>(and.Operands[0]);
    }

    [Fact]
    public void Parse_Chains_AreFlat()
    {
        var node = QueryParser.Parse("a=1 AND b=2 AND c=3 AND d=4");

        Assert.Equal(4, Assert.IsType<AndNode>(node).Operands.Count);
    }

    [Fact]
    public void Parse_Comparison_KeepsPathOperatorLiteralAndColumn()
    {
        var node = Assert.IsType<ComparisonNode>(QueryParser.Parse("data.`a b`.2 >= -1.5e1"));

        Assert.Equal([PathSegment.ForName("data"), PathSegment.ForQuoted("a b"), PathSegment.ForIndex(2)], node.Path);
        Assert.Equal(ComparisonOperator.GreaterOrEqual, node.Operator);
        Assert.Equal(LiteralKind.Number, node.Value.Kind);
        Assert.Equal(-15, node.Value.Number);
        Assert.Equal(14, node.OperatorColumn);
    }

    [Fact]
    public void Parse_Whitespace_IsMatchAll()
    {
        Assert.IsType<MatchAllNode>(QueryParser.Parse(" \t "));
    }
}
