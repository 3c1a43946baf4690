// Makes TorchSharp-cpu 0.107.0's native glue load on Debian 12: marks its one GLIBCXX_3.4.32 requirement as weak.
using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;

namespace ModelGen.Benchmarks;

/// <summary>
/// libLibTorchSharp.so is built with GCC 13 and lists GLIBCXX_3.4.32 among the versions it needs from libstdc++.so.6;
/// Debian 12 ships 3.4.30, so dlopen fails. The only symbol under that version is
/// <c>std::ios_base_library_init()</c>, which GCC 13's &lt;iostream&gt; references without calling (no relocation
/// uses it: <c>readelf -r</c> lists none), so the requirement can be flagged VER_FLG_WEAK: glibc then accepts the
/// library without that version and never looks the symbol up. The patch is applied to the copies in the build output,
/// never to the NuGet cache, and only where the library still asks for the version strictly.
/// </summary>
internal static class TorchSharpFix
{
    private const string Version = "GLIBCXX_3.4.32";
    private const ushort VerFlagWeak = 2;
    private const uint ShtGnuVerneed = 0x6ffffffe;

    /// <summary>Patches every libLibTorchSharp.so under the application's directory; returns how many changed.</summary>
    public static int EnsureLoadable()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        int patched = 0;
        foreach (string path in Directory.EnumerateFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories))
        {
            if (Patch(path)) patched++;
        }
        return patched;
    }

    /// <summary>Flags the <c>GLIBCXX_3.4.32</c> entry of the ELF64 version-needs section weak; true if the file changed.</summary>
    public static bool Patch(string path)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException($"{path} is not a little-endian ELF64 file.");
        long sectionTable = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x28));
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3A));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3C));
        bool changed = false;
        for (int s = 0; s < count; s++)
        {
            var header = elf.AsSpan((int)(sectionTable + (long)s * entrySize));
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != ShtGnuVerneed) continue;
            int offset = (int)BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]);
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]);
            int entries = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x2C..]);
            var strings = elf.AsSpan((int)(sectionTable + (long)link * entrySize));
            int stringTable = (int)BinaryPrimitives.ReadUInt64LittleEndian(strings[0x18..]);

            // Elf64_Verneed { u16 version, u16 cnt, u32 file, u32 aux, u32 next }, Elf64_Vernaux { u32 hash, u16 flags, u16 other, u32 name, u32 next }.
            for (int n = 0; n < entries; n++)
            {
                int auxCount = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(offset + 2));
                int aux = offset + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(offset + 8));
                for (int a = 0; a < auxCount; a++)
                {
                    int nameAt = stringTable + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(aux + 8));
                    int end = Array.IndexOf(elf, (byte)0, nameAt);
                    ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(aux + 4));
                    if (Encoding.ASCII.GetString(elf, nameAt, end - nameAt) == Version && (flags & VerFlagWeak) == 0)
                    {
                        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(aux + 4), (ushort)(flags | VerFlagWeak));
                        changed = true;
                    }
                    aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(aux + 12));
                }
                offset += (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(offset + 12));
            }
        }
        if (changed)
        {
            string temporary = path + ".patching";
            File.WriteAllBytes(temporary, elf);
            File.Move(temporary, path, overwrite: true);
        }
        return changed;
    }
}
