package org.secmon.ems.ctl;

import java.util.concurrent.Callable;

import picocli.CommandLine;

/** A secmonctl command: runs with the root command's session, EMS and output. */
abstract class CtlCommand implements Callable<Integer> {
    @CommandLine.ParentCommand
    Ctl ctl;
}
