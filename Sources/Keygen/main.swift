import ProgramSupport

KeygenCommandLine.evaluate(Array(CommandLine.arguments.dropFirst())).perform()
