using Akd.Coordinator.Dashboard;

namespace Akd.Coordinator.Tests.Dashboard;

public sealed class HtmlTests
{
    [Fact]
    public void Element_TextWithMarkup_IsEncodedNotInterpreted()
    {
        // Arrange
        var html = new Html();

        // Act
        var text = html.Element("pre", "<script>alert('x')</script> & \"done\"").ToString();

        // Assert
        Assert.Equal("<pre>&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;done&quot;</pre>", text);
    }

    [Fact]
    public void Open_AttributeValueWithQuotes_CannotLeaveTheAttribute()
    {
        // Arrange
        var html = new Html();

        // Act
        var text = html.Open("a", ("href", "/x\" onclick=\"steal()"), ("title", "a'b<c>")).Close("a").ToString();

        // Assert
        Assert.Equal("<a href=\"/x&quot; onclick=&quot;steal()\" title=\"a&#x27;b&lt;c&gt;\"></a>", text);
    }

    [Fact]
    public void Open_NullAttribute_IsLeftOut()
    {
        // Act
        var text = new Html().Element("option", "any", ("value", ""), ("selected", null)).ToString();

        // Assert
        Assert.Equal("<option value=\"\">any</option>", text);
    }

    [Theory]
    [InlineData("script onload=x")]
    [InlineData("a>")]
    [InlineData("")]
    [InlineData("DIV")]
    public void Open_TagNameThatIsNotAPlainWord_Throws(string tag)
    {
        // Act
        var error = Record.Exception(() => new Html().Open(tag));

        // Assert
        Assert.IsType<ArgumentException>(error);
    }

    [Fact]
    public void Open_AttributeNameThatIsNotAPlainWord_Throws()
    {
        // Act
        var error = Record.Exception(() => new Html().Open("a", ("href=\"x\" onclick", "y")));

        // Assert
        Assert.IsType<ArgumentException>(error);
    }

    [Fact]
    public void StateClass_HostileState_KeepsOnlyLettersAndDashes()
    {
        // Act
        var css = Cells.StateClass("rolled-back\" onmouseover=\"x");

        // Assert
        Assert.Equal("state state-rolled-backonmouseoverx", css);
    }
}
