using System.CommandLine;
using System.CommandLine.Parsing;

namespace MlNetMlm.Cli.Shared;

/// <summary>
/// The one place where arguments meet System.CommandLine, for every command: Hugging Face's underscore
/// spellings (<c>--num_train_epochs</c>) are read as the dashed option they name, and a parse problem is one
/// line naming the option (with the closest known option for an unknown one), never the whole help text.
/// An option that takes a value never takes the next option as that value.
/// </summary>
internal static class CommandLineChecks
{
    /// <summary>Rewrites <c>--a_b</c> (and <c>--a_b=value</c>) to <c>--a-b</c> where that is an option of some command.</summary>
    public static string[] NormalizeSpellings(RootCommand root, string[] args)
    {
        var known = AllCommands(root).SelectMany(c => c.Options).SelectMany(Names).ToHashSet(StringComparer.Ordinal);
        var result = (string[])args.Clone();
        for (int i = 0; i < result.Length; i++)
        {
            string arg = result[i];
            if (arg == "--") break; // everything after it is an argument
            if (!arg.StartsWith("--", StringComparison.Ordinal) || !arg.Contains('_')) continue;
            int eq = arg.IndexOf('=');
            string name = eq < 0 ? arg : arg[..eq];
            string dashed = "--" + name[2..].Replace('_', '-');
            if (known.Contains(dashed)) result[i] = dashed + (eq < 0 ? "" : arg[eq..]);
        }
        return result;
    }

    /// <summary>The problem with a parse as one line, or null when there is none.</summary>
    public static string? Problem(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        string where = CommandPath(parse.CommandResult);
        var options = OptionsOf(parse.CommandResult).ToList();

        // A value that looks like an option: an unknown option swallowed by the one before it.
        foreach (var optionResult in parse.CommandResult.Children.OfType<OptionResult>())
            foreach (var token in optionResult.Tokens)
                if (token.Type == TokenType.Argument && LooksLikeOption(token.Value))
                    return $"{where}: {Unknown(token.Value, options, command)} ({optionResult.Option.Name} takes a value; it got '{token.Value}')";

        // An unknown option among a command's own arguments (fill-mask's texts, say).
        foreach (var argumentResult in parse.CommandResult.Children.OfType<ArgumentResult>())
            if (argumentResult.Tokens.FirstOrDefault(t => LooksLikeOption(t.Value)) is { } token)
                return $"{where}: {Unknown(token.Value, options, command)}";

        if (parse.UnmatchedTokens.FirstOrDefault(LooksLikeOption) is { } unknown)
            return $"{where}: {Unknown(unknown, options, command)}";
        if (parse.UnmatchedTokens.Count > 0)
        {
            string extra = parse.UnmatchedTokens[0];
            var closestCommand = command.Subcommands.Count > 0 ? Closest(extra, command.Subcommands.Select(c => c.Name)) : null;
            return closestCommand is null
                ? $"{where}: unexpected argument '{extra}' (see {where} --help)"
                : $"{where}: unknown command '{extra}'; the closest is '{closestCommand}' (see {where} --help)";
        }
        if (parse.Errors.Count > 0)
            return $"{where}: {parse.Errors[0].Message.TrimEnd('.')} (see {where} --help)";
        return null;
    }

    private static string Unknown(string token, IReadOnlyList<Option> options, Command command)
    {
        string name = token.Split('=', 2)[0];
        string? closest = Closest(name, options.SelectMany(Names));
        return closest is null ? $"unknown option '{name}'" : $"unknown option '{name}'; the closest is '{closest}' (see mlnet-mlm {command.Name} --help)";
    }

    /// <summary>Like an option, not a value: <c>-x</c> or <c>--word</c> (negative numbers such as <c>-1</c> are values).</summary>
    private static bool LooksLikeOption(string token) =>
        token.Length >= 2 && token[0] == '-' && (char.IsLetter(token[1]) || (token[1] == '-' && token.Length > 2 && char.IsLetter(token[2])));

    private static IEnumerable<string> Names(Option option) => option.Aliases.Prepend(option.Name);

    /// <summary>The command's options and the recursive ones of its parents (<c>--verbose</c>, <c>--help</c>).</summary>
    private static IEnumerable<Option> OptionsOf(CommandResult result)
    {
        foreach (var o in result.Command.Options) yield return o;
        for (var parent = result.Parent as CommandResult; parent is not null; parent = parent.Parent as CommandResult)
            foreach (var o in parent.Command.Options.Where(o => o.Recursive)) yield return o;
    }

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (CommandResult? r = result; r is not null; r = r.Parent as CommandResult)
            names.Insert(0, r.Parent is null ? "mlnet-mlm" : r.Command.Name);
        return string.Join(' ', names);
    }

    private static IEnumerable<Command> AllCommands(Command command) => command.Subcommands.SelectMany(AllCommands).Prepend(command);

    /// <summary>The candidate with the smallest edit distance (ties: the first).</summary>
    internal static string? Closest(string word, IEnumerable<string> candidates) =>
        candidates.Distinct().Select(c => (c, d: EditDistance(word.ToLowerInvariant(), c.ToLowerInvariant()))).OrderBy(x => x.d).Select(x => x.c).FirstOrDefault();

    private static int EditDistance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
