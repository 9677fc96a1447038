//! The generated scan files of the import benchmarks (this crate's `import` bench and the
//! store-level `vuln_import` bench of deltawall-app, which includes this file): written to
//! any `Write`, so a 100 MB file can go straight to disk.

use std::io::{self, Write};

/// Counts what goes through to the inner writer.
struct Counted<W> {
    inner: W,
    written: usize,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A Nessus v2 file of at least `target` bytes: hosts of 40 items each whose plugin output
/// and descriptions are of the length real scans carry. Returns the bytes written.
pub fn nessus(out: impl Write, target: usize) -> io::Result<usize> {
    let mut s = Counted {
        inner: out,
        written: 0,
    };
    s.write_all(b"<?xml version=\"1.0\" ?>\n<NessusClientData_v2>\n<Report name=\"bench\">\n")?;
    let output = "Remote service banner and version details repeated as plugins do. ".repeat(12);
    let mut host = 0;
    while s.written < target {
        writeln!(
            s,
            "<ReportHost name=\"10.{}.{}.{}\"><HostProperties><tag name=\"host-ip\">10.0.0.1</tag></HostProperties>",
            host / 65536 % 256,
            host / 256 % 256,
            host % 256
        )?;
        for item in 0..40 {
            writeln!(
                s,
                "<ReportItem port=\"{}\" svc_name=\"www\" protocol=\"tcp\" severity=\"{}\" pluginID=\"{}\" pluginName=\"Example plugin {item} &amp; friends\">\n<description>{output}</description>\n<solution>Upgrade to the latest version.</solution>\n<cve>CVE-2099-{:04}</cve>\n<cvss3_base_score>{}.5</cvss3_base_score>\n<plugin_output>{output}</plugin_output>\n</ReportItem>",
                1000 + item,
                item % 5,
                100_000 + item,
                item * 7 % 10_000,
                item % 10
            )?;
        }
        s.write_all(b"</ReportHost>\n")?;
        host += 1;
    }
    s.write_all(b"</Report>\n</NessusClientData_v2>\n")?;
    s.flush()?;
    Ok(s.written)
}

/// A SARIF log of at least `target` bytes: one run, 200 rules, results with a message, a
/// location and fingerprints. Returns the bytes written.
pub fn sarif(out: impl Write, target: usize) -> io::Result<usize> {
    let mut s = Counted {
        inner: out,
        written: 0,
    };
    s.write_all(b"{\"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\": {\"name\": \"Bench\", \"rules\": [")?;
    for r in 0..200 {
        let sep = if r == 0 { "" } else { "," };
        write!(
            s,
            "{sep}{{\"id\": \"rule-{r}\", \"shortDescription\": {{\"text\": \"Rule {r}\"}}, \"properties\": {{\"security-severity\": \"{}.0\"}}}}",
            r % 10
        )?;
    }
    s.write_all(b"]}}, \"results\": [\n")?;
    let message =
        "Tainted data flows from the request parameter to a sink without validation. ".repeat(4);
    let mut n = 0u64;
    while s.written < target {
        let sep = if n == 0 { "" } else { ",\n" };
        write!(
            s,
            "{sep}{{\"ruleId\": \"rule-{}\", \"ruleIndex\": {}, \"level\": \"warning\", \"message\": {{\"text\": \"{message}\"}}, \"locations\": [{{\"physicalLocation\": {{\"artifactLocation\": {{\"uri\": \"src/module{}/file{}.py\"}}, \"region\": {{\"startLine\": {}, \"startColumn\": 5}}}}}}], \"partialFingerprints\": {{\"primaryLocationLineHash\": \"{:016x}\"}}}}",
            n % 200,
            n % 200,
            n % 97,
            n % 1000,
            n % 5000 + 1,
            n.wrapping_mul(0x9e37_79b9_7f4a_7c15)
        )?;
        n += 1;
    }
    s.write_all(b"\n]}]}\n")?;
    s.flush()?;
    Ok(s.written)
}
