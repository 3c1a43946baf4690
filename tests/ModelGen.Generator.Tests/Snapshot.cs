// Snapshot assertions against approved files committed in Snapshots/. A mismatch writes a .received file beside the
// approved one and fails; set MODELGEN_ACCEPT_SNAPSHOTS=1 to accept the received text as the new approved file.
using System;
using System.IO;
using System.Runtime.CompilerServices;

namespace ModelGen.Generator.Tests;

internal static class Snapshot
{
    public static void Match(string actual, string name, [CallerFilePath] string callerPath = "")
    {
        string folder = Path.Combine(Path.GetDirectoryName(callerPath)!, "Snapshots");
        string approvedPath = Path.Combine(folder, name + ".approved.txt");
        string receivedPath = Path.Combine(folder, name + ".received.txt");
        actual = actual.Replace("\r\n", "\n");

        if (Environment.GetEnvironmentVariable("MODELGEN_ACCEPT_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(approvedPath, actual);
            File.Delete(receivedPath);
            return;
        }

        string? approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).Replace("\r\n", "\n") : null;
        if (approved == actual)
        {
            File.Delete(receivedPath);
            return;
        }

        Directory.CreateDirectory(folder);
        File.WriteAllText(receivedPath, actual);
        Assert.Fail(approved is null
            ? $"No approved snapshot '{name}'. Review {receivedPath}, then rerun with MODELGEN_ACCEPT_SNAPSHOTS=1 to approve it."
            : $"Snapshot '{name}' differs from the approved file. Compare {receivedPath} with {approvedPath}; rerun with MODELGEN_ACCEPT_SNAPSHOTS=1 to accept.");
    }
}
