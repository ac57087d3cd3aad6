package org.secmon.ems.ctl;

import picocli.CommandLine.Option;

/** {@code -o/--output}: how a command prints what the EMS answered. */
final class OutputOption {
    @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT",
            description = "table (default), wide (every column), json or yaml")
    String output;

    Output.Format format() {
        return Output.format(output);
    }
}
