//! A persistent cache of entry summaries, keyed by kind and content id.
//!
//! Judging a change needs the summary of every entry (cross-file rules look at the whole
//! reference graph) but the diagnostics of changed entries only. Summaries depend only on a
//! file's bytes and on `regctl.toml`, so they are cached by blob id; with a warm cache, a change
//! to one entry of 100,000 parses that one file.
//!
//! The cache is a single file: a header (magic and configuration key), a hash table of the
//! records that follow it, then one record per summary. The table is used where it lies, so
//! opening the cache costs one read, not 100,000 insertions into a map (27 ms of a 100k change
//! run's critical path). A run appends the summaries it added after the table's records, under
//! an exclusive lock, so that a commit hook that changes one entry writes one record, not the
//! 36 MB of all 100,000; appended records are indexed as the file is read. The file is
//! rewritten whole (atomically), with a new table, only when it is missing, for another
//! configuration, damaged or torn, has appended records past an eighth of its table's, or has
//! grown past twice the registry; a cache that is stale or corrupt is ignored and rebuilt.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use regctl_core::config::Config;
use regctl_core::fsutil::write_atomic;
use regctl_core::snapshot::ContentId;
use regctl_core::version::parse_req;
use regctl_core::{Code, Span};

use crate::file::{EntrySummary, Facts, Reference, Released, UniqueValue};
use crate::focus::SkimChunk;

/// The first bytes of a cache file; bumped when the layout changes.
const MAGIC: &[u8] = b"regctl-summaries-v4\n";

/// The length of the header: magic and configuration key.
const HEADER_LEN: usize = MAGIC.len() + 20;

/// After the header: the table's slot count, how many records it indexes, and where they end
/// (each a little-endian `u64`).
const TABLE_HEADER_LEN: usize = 24;

/// A table slot: the offset of a record in the file (0 for an empty slot) and its key's hash.
const SLOT_LEN: usize = 16;

/// Where a summary lies in the cache file: found once, then used without another lookup.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    start: usize,
    len: usize,
    /// Whether the summary is of a file that could not be read or parsed.
    pub(crate) broken: bool,
}

/// Where a summary is kept: `(kind index, content id)`.
type Key = (u32, ContentId);

/// Summaries by `(kind, content)`, for one configuration.
pub(crate) struct SummaryCache {
    file: PathBuf,
    key: ContentId,
    /// The cache file as read; summaries are used where they lie, never copied out.
    bytes: FileBytes,
    /// The file's hash table of the records written with it.
    table: Table,
    /// Records appended after the table's, indexed as the file was read.
    appended: HashMap<Key, Slot>,
    /// How the file read can be written back.
    state: FileState,
    /// Summaries this run added.
    added: HashMap<Key, Vec<u8>>,
}

/// The bytes of the cache file, mapped where the system allows it.
///
/// A 100k registry's cache is 36 MB. Read, it is copied into memory the kernel must first
/// zero, which was a quarter of the page faults of a change run; mapped, its pages are those
/// the page cache already holds. The mapping stays valid as the file is replaced or appended
/// to, which is all regctl does to it: replaced by a rename (the mapped file lives on), appended
/// past the length that was mapped.
enum FileBytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl FileBytes {
    /// The file at `path`, or nothing when it cannot be opened.
    fn open(path: &Path) -> FileBytes {
        let Ok(file) = std::fs::File::open(path) else {
            return FileBytes::Read(Vec::new());
        };
        // SAFETY: the mapping is read-only and regctl never changes the bytes it covers (see
        // above); a process that truncated the file under a running regctl would make the
        // kernel end it with SIGBUS, the risk every mapping reader (git, ripgrep) accepts.
        match unsafe { memmap2::Mmap::map(&file) } {
            Ok(map) => FileBytes::Mapped(map),
            Err(_) => {
                let mut bytes = Vec::new();
                let mut file = file;
                match file.read_to_end(&mut bytes) {
                    Ok(_) => FileBytes::Read(bytes),
                    Err(_) => FileBytes::Read(Vec::new()),
                }
            }
        }
    }
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(map) => map,
            FileBytes::Read(bytes) => bytes,
        }
    }
}

/// Where the hash table lies in the cache file: `slots` slots (a power of two, or none) from
/// `start`, indexing `records` records.
#[derive(Clone, Copy, Debug, Default)]
struct Table {
    start: usize,
    slots: usize,
    records: usize,
}

/// What the cache file read allows the next save to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FileState {
    /// Whole records for this configuration, `records` of them (with any duplicates that
    /// concurrent runs appended), `appended` of them after the table's: new records can be
    /// appended.
    Appendable { records: usize, appended: usize },
    /// Missing, for another configuration, damaged, or ending in a torn record: it must be
    /// rewritten.
    Rewrite,
}

impl SummaryCache {
    /// Opens the cache for `config` in `dir`; starts empty when there is none yet.
    pub(crate) fn open(dir: &Path, config: &Config) -> SummaryCache {
        // The summaries depend on the configuration and on how this version of regctl reads it.
        let mut seed = env!("CARGO_PKG_VERSION").as_bytes().to_vec();
        seed.extend_from_slice(config.source.as_bytes());
        let key = ContentId::of_bytes(&seed);
        let file = dir.join("summaries.bin");
        let bytes = FileBytes::open(&file);
        let (bytes, table, appended, state) = match read_file(&bytes, key) {
            Some((table, appended, state)) => (bytes, table, appended, state),
            None => (
                FileBytes::Read(Vec::new()),
                Table::default(),
                HashMap::new(),
                FileState::Rewrite,
            ),
        };
        SummaryCache {
            file,
            key,
            bytes,
            table,
            appended,
            state,
            added: HashMap::new(),
        }
    }

    /// Where the cache file holds the summary of a file of `kind` with `content`.
    #[cfg(test)]
    pub(crate) fn find(&self, kind: usize, content: ContentId) -> Option<Slot> {
        self.find_key((kind as u32, content))
    }

    /// Like [`Self::find`], trying first the record at `next`: records are written in the order
    /// entries are listed in, so the one after the last found is usually the one wanted, and
    /// reading them in order is far cheaper than probing the table for each. `next` moves past
    /// the record found. A wrong guess costs one comparison: the key is checked in full.
    pub(crate) fn find_next(
        &self,
        kind: usize,
        content: ContentId,
        next: &mut usize,
    ) -> Option<Slot> {
        let key = (kind as u32, content);
        let slot = match record_at(&self.bytes, *next) {
            Some((found, slot)) if *next != 0 && found == key => slot,
            _ => self.find_key(key)?,
        };
        *next = slot.start + slot.len;
        Some(slot)
    }

    fn find_key(&self, key: Key) -> Option<Slot> {
        self.in_table(key)
            .or_else(|| self.appended.get(&key).copied())
    }

    /// Looks `key` up in the file's table, probing linearly from its hash; every candidate
    /// record is checked in full, so a damaged table costs only misses.
    fn in_table(&self, key: Key) -> Option<Slot> {
        let Table { start, slots, .. } = self.table;
        if slots == 0 {
            return None;
        }
        let hash = hash(key);
        let mut at = hash as usize & (slots - 1);
        for _ in 0..slots {
            let (offset, tag) = read_slot(&self.bytes, start + at * SLOT_LEN)?;
            if offset == 0 {
                return None;
            }
            if tag == hash
                && let Some((found, slot)) = record_at(&self.bytes, offset)
                && found == key
            {
                return Some(slot);
            }
            at = (at + 1) & (slots - 1);
        }
        None
    }

    /// The key of every record the file holds, table's first.
    fn stored_keys(&self) -> impl Iterator<Item = Key> + '_ {
        let Table { start, slots, .. } = self.table;
        (0..slots)
            .filter_map(move |at| {
                let (offset, _) = read_slot(&self.bytes, start + at * SLOT_LEN)?;
                // An empty slot's offset, 0, is the header's, which must not read as a record.
                if offset == 0 {
                    return None;
                }
                record_at(&self.bytes, offset).map(|(key, _)| key)
            })
            .chain(self.appended.keys().copied())
    }

    /// The encoded summary at `slot` (from [`Self::find`]).
    pub(crate) fn at(&self, slot: Slot) -> &[u8] {
        self.bytes
            .get(slot.start..slot.start + slot.len)
            .unwrap_or_default()
    }

    /// The whole summary of `stub`, from `slot`.
    pub(crate) fn decode(
        &self,
        config: &Config,
        slot: Slot,
        stub: &EntrySummary,
    ) -> Option<EntrySummary> {
        let content = stub.content?;
        decode_summary(
            config,
            stub.kind,
            self.at(slot),
            &stub.path,
            &stub.id,
            content,
        )
    }

    /// The encoded summary kept under `key`, read or added by this run.
    fn encoded(&self, key: Key) -> Option<&[u8]> {
        match self.find_key(key) {
            Some(slot) => Some(self.at(slot)),
            None => self.added.get(&key).map(Vec::as_slice),
        }
    }

    pub(crate) fn put(&mut self, entry: &EntrySummary) {
        let Some(content) = entry.content else {
            return;
        };
        let key = (entry.kind as u32, content);
        if self.find_key(key).is_none() {
            self.added
                .entry(key)
                .or_insert_with(|| encode_summary(entry));
        }
    }

    /// Saves what this run added: appended to the file when it can be, otherwise (and when the
    /// file has grown past twice the `live` entries, which are then all it keeps, or past an
    /// eighth of its table in appended records, which each run indexes again) by writing the
    /// file anew. A failure to write only costs speed next time.
    pub(crate) fn save(self, live: &[EntrySummary]) {
        let (records, appended) = match self.state {
            FileState::Appendable { records, appended } => (records, appended),
            FileState::Rewrite => (self.table.records + self.appended.len(), 0),
        };
        let prune = records + self.added.len() > 2 * live.len().max(1024);
        let reindex = appended + self.added.len() > (self.table.records / 8).max(1024);
        if self.state != FileState::Rewrite && !prune && !reindex {
            if !self.added.is_empty() {
                // Whatever goes wrong (say, another configuration's cache took the file's
                // place), the next run reads what is there and decides again.
                let _ = self.append();
            }
            return;
        }
        let keep: HashSet<Key> = if prune {
            live.iter()
                .filter_map(|e| e.content.map(|c| (e.kind as u32, c)))
                .collect()
        } else {
            HashSet::new()
        };
        // Records follow the order the run listed its entries in, which the next run lists
        // them in too: it then reads the records front to back ([`Self::find_next`]) instead of
        // jumping around the file. Records of no current entry go last, by key.
        let listed: HashMap<Key, usize> = live
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.content.map(|c| ((e.kind as u32, c), i)))
            .collect();
        let mut keys: Vec<(usize, Key)> = self
            .stored_keys()
            .chain(self.added.keys().copied())
            .filter(|key| !prune || keep.contains(key))
            .map(|key| (listed.get(&key).copied().unwrap_or(usize::MAX), key))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let records: Vec<(Key, &[u8])> = keys
            .into_iter()
            .filter_map(|(_, key)| Some((key, self.encoded(key)?)))
            .collect();
        let contents = file_with_table(self.key, &records);
        drop(records);
        let path = self.file.clone();
        // Unmapped first: Windows does not replace a file that is mapped.
        drop(self);
        let _ = write_atomic(&path, &contents);
    }

    /// Appends the added records to the cache file, under an exclusive lock so that concurrent
    /// runs do not interleave, and only if the file (which may have been replaced since it was
    /// read) is still for this configuration.
    fn append(&self) -> std::io::Result<()> {
        let mut keys: Vec<&Key> = self.added.keys().collect();
        keys.sort_unstable();
        let mut out = Vec::new();
        for key in keys {
            put_record(&mut out, *key, &self.added[key]);
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .open(&self.file)?;
        file.lock()?;
        let mut head = [0; HEADER_LEN];
        file.read_exact(&mut head)?;
        if head[..] != header(self.key) {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
        file.write_all(&out)?;
        // As durable as the atomic rewrite: a crash must not leave a record that frames but
        // holds garbage.
        file.sync_data()
    }
}

/// The first bytes of a cache file for the configuration `key`.
fn header(key: ContentId) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(key.as_bytes());
    out
}

fn put_record(out: &mut Vec<u8>, key: Key, summary: &[u8]) {
    put_u32(out, key.0);
    out.extend_from_slice(key.1.as_bytes());
    put_bytes(out, summary);
}

/// The hash of a key in the table: content ids are git object ids, already uniform, so their
/// first bytes are mixed with the kind rather than hashed again.
fn hash(key: Key) -> u64 {
    let id = key.1.as_bytes().iter().take(8);
    let low = id.fold(0u64, |hash, &byte| hash << 8 | u64::from(byte));
    low ^ u64::from(key.0).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// A whole cache file for `key` holding `records` (without duplicates, in the order given), with
/// their table.
fn file_with_table(key: ContentId, records: &[(Key, &[u8])]) -> Vec<u8> {
    // At most half full, so that probes stay short.
    let slots = (records.len() * 2).next_power_of_two().max(16);
    let start = HEADER_LEN + TABLE_HEADER_LEN;
    let payload: usize = records.iter().map(|(_, s)| s.len() + 28).sum();
    let mut out = Vec::with_capacity(start + slots * SLOT_LEN + payload);
    out.extend_from_slice(&header(key));
    out.extend_from_slice(&(slots as u64).to_le_bytes());
    out.extend_from_slice(&(records.len() as u64).to_le_bytes());
    out.extend_from_slice(&[0; 8]); // where the records end, known once they are written
    out.resize(start + slots * SLOT_LEN, 0);
    for &(key, summary) in records {
        let offset = out.len();
        let hash = hash(key);
        let mut at = hash as usize & (slots - 1);
        while out[start + at * SLOT_LEN..][..8] != [0; 8] {
            at = (at + 1) & (slots - 1);
        }
        let slot = &mut out[start + at * SLOT_LEN..][..SLOT_LEN];
        slot[..8].copy_from_slice(&(offset as u64).to_le_bytes());
        slot[8..].copy_from_slice(&hash.to_le_bytes());
        put_record(&mut out, key, summary);
    }
    let end = out.len() as u64;
    out[HEADER_LEN + 16..start].copy_from_slice(&end.to_le_bytes());
    out
}

fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// The `(record offset, hash)` in the table slot at `at`.
fn read_slot(bytes: &[u8], at: usize) -> Option<(usize, u64)> {
    Some((read_u64(bytes, at)? as usize, read_u64(bytes, at + 8)?))
}

/// The record at `offset`: its key and where its summary lies; `None` if it does not frame.
fn record_at(bytes: &[u8], offset: usize) -> Option<(Key, Slot)> {
    let mut reader = Reader { bytes, at: offset };
    read_record(&mut reader)
}

fn read_record(reader: &mut Reader<'_>) -> Option<(Key, Slot)> {
    let kind = reader.u32()?;
    let content = ContentId::from_bytes(reader.take(20)?)?;
    let len = reader.u32()? as usize;
    let start = reader.at;
    let broken = is_broken(reader.take(len)?);
    Some(((kind, content), Slot { start, len, broken }))
}

/// The table of a cache file, its appended records, and whether records can be appended to
/// it; `None` when the file is not a cache for `key`. A file whose table or records do not fit
/// it, or that ends in a torn record (a run stopped while appending, or one being appended
/// now), is used for what frames and rewritten.
fn read_file(bytes: &[u8], key: ContentId) -> Option<(Table, HashMap<Key, Slot>, FileState)> {
    if bytes.get(..HEADER_LEN)? != header(key) {
        return None;
    }
    let slots = read_u64(bytes, HEADER_LEN)? as usize;
    let records = read_u64(bytes, HEADER_LEN + 8)? as usize;
    let end = read_u64(bytes, HEADER_LEN + 16)? as usize;
    let start = HEADER_LEN + TABLE_HEADER_LEN;
    let table_end = slots.checked_mul(SLOT_LEN)?.checked_add(start)?;
    if !slots.is_power_of_two() || table_end > end {
        return None;
    }
    let table = Table {
        start,
        slots,
        records,
    };
    let mut appended = HashMap::new();
    if end > bytes.len() {
        return Some((table, appended, FileState::Rewrite));
    }
    let mut reader = Reader { bytes, at: end };
    while reader.at < bytes.len() {
        let Some((key, slot)) = read_record(&mut reader) else {
            return Some((table, appended, FileState::Rewrite));
        };
        appended.entry(key).or_insert(slot);
    }
    let n_appended = appended.len();
    Some((
        table,
        appended,
        FileState::Appendable {
            records: records + n_appended,
            appended: n_appended,
        },
    ))
}

/// Encodes a summary: first what [`skim_into`] reads of every entry (reference targets and
/// unique values), so skimming stops at the first few dozen bytes of each record; then the rest.
fn encode_summary(entry: &EntrySummary) -> Vec<u8> {
    let mut out = Vec::new();
    out.push(u8::from(entry.broken));
    put_u32(&mut out, entry.refs().len() as u32);
    for reference in entry.refs() {
        put_u32(&mut out, reference.rule as u32);
        put_str(&mut out, &reference.target);
    }
    put_u32(&mut out, entry.unique().len() as u32);
    for value in entry.unique() {
        put_u32(&mut out, value.rule as u32);
        put_str(&mut out, &value.value);
    }
    // The rest, read only when the summary is decoded whole.
    for value in entry.unique() {
        put_span(&mut out, Some(value.span));
    }
    for reference in entry.refs() {
        put_str(&mut out, &reference.pointer);
        put_str(
            &mut out,
            &reference
                .req
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        );
        out.push(u8::from(reference.req.is_some()));
        put_span(&mut out, Some(reference.span));
    }
    put_span(&mut out, entry.id_span());
    put_u32(&mut out, entry.versions().len() as u32);
    for released in entry.versions() {
        put_str(&mut out, &released.version.to_string());
        out.push(u8::from(released.yanked));
    }
    put_u32(&mut out, entry.allow().len() as u32);
    for code in entry.allow() {
        put_str(&mut out, code.as_str());
    }
    put_str(&mut out, entry.owner().unwrap_or_default());
    out.push(u8::from(entry.owner().is_some()));
    out
}

/// Whether an encoded summary is of a file that could not be read or parsed.
fn is_broken(encoded: &[u8]) -> bool {
    encoded.first().is_some_and(|&flag| flag != 0)
}

/// Appends the parts of an encoded summary that cross-file rules look up across the whole
/// registry to `skims`, borrowed from the encoding: skimming 100,000 summaries allocates no
/// string. Appends nothing and returns `None` when the summary is damaged.
pub(crate) fn skim_into<'a>(bytes: &'a [u8], skims: &mut SkimChunk<'a>) -> Option<()> {
    let marks = (skims.refs.len(), skims.unique.len());
    let skimmed = skim_parts(bytes, skims);
    if skimmed.is_none() {
        skims.refs.truncate(marks.0);
        skims.unique.truncate(marks.1);
    }
    skimmed
}

/// How many references and unique values the encoded summary holds, without decoding them
/// (to size the skim lists exactly).
pub(crate) fn skim_counts(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut r = Reader { bytes, at: 0 };
    r.u8()?; // broken
    let refs = r.u32()? as usize;
    for _ in 0..refs {
        r.u32()?;
        r.bytes()?;
    }
    Some((refs, r.u32()? as usize))
}

fn skim_parts<'a>(bytes: &'a [u8], skims: &mut SkimChunk<'a>) -> Option<()> {
    let mut r = Reader { bytes, at: 0 };
    r.u8()?; // broken
    for _ in 0..r.u32()? {
        let rule = r.u32()? as usize;
        skims.refs.push((rule, r.str()?));
    }
    for _ in 0..r.u32()? {
        let rule = r.u32()? as usize;
        skims.unique.push((rule, r.str()?));
    }
    Some(())
}

fn decode_summary(
    config: &Config,
    kind: usize,
    bytes: &[u8],
    path: &str,
    id: &str,
    content: ContentId,
) -> Option<EntrySummary> {
    let scheme = config.kinds.get(kind)?.scheme;
    let mut r = Reader { bytes, at: 0 };
    let broken = r.u8()? != 0;
    let targets = (0..r.u32()?)
        .map(|_| Some((r.u32()? as usize, r.str()?.to_owned())))
        .collect::<Option<Vec<_>>>()?;
    let values = (0..r.u32()?)
        .map(|_| Some((r.u32()? as usize, r.str()?.to_owned())))
        .collect::<Option<Vec<_>>>()?;
    let unique = values
        .into_iter()
        .map(|(rule, value)| {
            Some(UniqueValue {
                rule,
                value,
                span: r.span()??,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let refs = targets
        .into_iter()
        .map(|(rule, target)| {
            let pointer = r.str()?.to_owned();
            let req_text = r.str()?;
            let req = if r.u8()? != 0 {
                Some(parse_req(req_text).ok()?)
            } else {
                None
            };
            Some(Reference {
                rule,
                target,
                pointer,
                req,
                span: r.span()??,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let id_span = r.span()?;
    let versions = (0..r.u32()?)
        .map(|_| {
            let version = scheme.parse(r.str()?).ok()?;
            Some(Released {
                version,
                yanked: r.u8()? != 0,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let allow = (0..r.u32()?)
        .map(|_| r.str()?.parse::<Code>().ok())
        .collect::<Option<Vec<_>>>()?;
    let owner_text = r.str()?.to_owned();
    let owner = (r.u8()? != 0).then_some(owner_text);
    Some(EntrySummary {
        path: path.to_owned(),
        kind,
        id: id.to_owned(),
        broken,
        content: Some(content),
        facts: Some(Box::new(Facts {
            id_span,
            versions,
            refs,
            unique,
            allow,
            owner,
        })),
    })
}

fn put_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_u32(out, bytes.len() as u32);
    out.extend_from_slice(bytes);
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    put_bytes(out, text.as_bytes());
}

fn put_span(out: &mut Vec<u8>, span: Option<Span>) {
    match span {
        Some(span) => {
            out.push(1);
            put_u32(out, span.start as u32);
            put_u32(out, span.end as u32);
        }
        None => out.push(0),
    }
}

/// Reads what the `put_*` functions wrote; `None` on truncated or malformed input.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4)?.try_into().ok().map(u32::from_le_bytes)
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }

    fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }

    /// `Some(None)` for an absent span, `None` for bad input.
    fn span(&mut self) -> Option<Option<Span>> {
        match self.u8()? {
            0 => Some(None),
            _ => Some(Some(Span::new(self.u32()? as usize, self.u32()? as usize))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regctl_core::Worktree;

    fn config(dir: &Path, schema_note: &str) -> Config {
        std::fs::write(
            dir.join("regctl.toml"),
            format!(
                "# {schema_note}\n[registry]\nname = \"test\"\n\n[kinds.thing]\ndir = \"things\"\nschema = \"any.json\"\n"
            ),
        )
        .expect("write config");
        std::fs::write(dir.join("any.json"), "{}").expect("write schema");
        Config::load(&Worktree::new(dir).expect("worktree")).expect("config")
    }

    fn entry(id: &str) -> EntrySummary {
        EntrySummary {
            path: format!("things/{id}.toml"),
            kind: 0,
            id: id.to_owned(),
            broken: false,
            content: Some(ContentId::of_bytes(id.as_bytes())),
            facts: Some(Box::new(Facts {
                id_span: Some(Span::new(3, 9)),
                unique: vec![UniqueValue {
                    rule: 0,
                    value: format!("hash of {id}"),
                    span: Span::new(10, 20),
                }],
                owner: Some("core".to_owned()),
                ..Facts::default()
            })),
        }
    }

    /// Opens the cache, adds `entries` and saves it, with `live` the registry's entries.
    fn add_live(dir: &Path, config: &Config, entries: &[EntrySummary], live: &[EntrySummary]) {
        let mut cache = SummaryCache::open(dir, config);
        for entry in entries {
            cache.put(entry);
        }
        cache.save(live);
    }

    /// Opens the cache, adds `entries` and saves it.
    fn add(dir: &Path, config: &Config, entries: &[&EntrySummary]) {
        let entries: Vec<EntrySummary> = entries.iter().map(|e| (*e).clone()).collect();
        add_live(dir, config, &entries, &[]);
    }

    /// Asserts that the cache in `dir` holds `entry`'s summary, decoded whole.
    fn assert_cached(dir: &Path, config: &Config, entry: &EntrySummary) {
        assert_eq!(
            cached_value(dir, config, entry),
            Some(format!("hash of {}", entry.id)),
            "{} is cached",
            entry.id
        );
    }

    fn cached_value(dir: &Path, config: &Config, entry: &EntrySummary) -> Option<String> {
        let cache = SummaryCache::open(dir, config);
        let slot = cache.find(entry.kind, entry.content?)?;
        let decoded = cache.decode(config, slot, entry)?;
        Some(decoded.unique().first()?.value.clone())
    }

    #[test]
    fn new_summaries_are_appended_and_read_back_with_the_old() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config(dir.path(), "one");
        let file = dir.path().join("summaries.bin");
        let (a, b) = (entry("a"), entry("b"));
        add(dir.path(), &config, &[&a]);
        let first = std::fs::read(&file).expect("written");
        add(dir.path(), &config, &[&a, &b]);
        let second = std::fs::read(&file).expect("written");
        assert!(
            second.len() > first.len() && second.starts_with(&first),
            "b is appended, a not written again"
        );
        assert_cached(dir.path(), &config, &a);
        assert_cached(dir.path(), &config, &b);
    }

    #[test]
    fn records_are_written_in_the_order_entries_are_listed_and_read_in_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config(dir.path(), "one");
        // Listed z, y, …, a: the opposite of the keys' order, so the order cannot be by accident.
        let live: Vec<EntrySummary> = ('a'..='z').rev().map(|c| entry(&c.to_string())).collect();
        let stale = entry("stale");
        let mut written = live.clone();
        written.push(stale.clone());
        add_live(dir.path(), &config, &written, &live);
        let cache = SummaryCache::open(dir.path(), &config);
        let mut next = 0;
        let mut previous_end = 0;
        for e in &live {
            let slot = cache
                .find_next(e.kind, e.content.expect("content"), &mut next)
                .expect("found");
            assert!(
                slot.start > previous_end,
                "{} follows the entry before it",
                e.id
            );
            assert_eq!(next, slot.start + slot.len, "the guess moves past it");
            previous_end = slot.start;
        }
        // A wrong guess (the next record is not the one wanted) falls back to the table.
        let mut next = 0;
        let first = cache
            .find_next(0, live[0].content.expect("content"), &mut next)
            .expect("found");
        let third = cache
            .find_next(0, live[2].content.expect("content"), &mut next)
            .expect("found through the table");
        assert!(third.start > first.start);
        assert_eq!(next, third.start + third.len);
        // So does a guess that points at no record at all, and a key the file lacks.
        let mut nowhere = usize::MAX / 2;
        assert!(
            cache
                .find_next(0, live[1].content.expect("content"), &mut nowhere)
                .is_some()
        );
        let missing = ContentId::of_bytes(b"missing");
        assert!(cache.find_next(0, missing, &mut next).is_none());
        assert!(
            is_found(dir.path(), &config, &stale),
            "a record no entry lists is kept"
        );
    }

    fn is_found(dir: &Path, config: &Config, entry: &EntrySummary) -> bool {
        let cache = SummaryCache::open(dir, config);
        cache
            .find(entry.kind, entry.content.expect("content"))
            .is_some()
    }

    #[test]
    fn a_torn_last_record_is_left_out_and_the_file_written_anew() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config(dir.path(), "one");
        let file = dir.path().join("summaries.bin");
        let (a, b, c, d) = (entry("a"), entry("b"), entry("c"), entry("d"));
        // Torn among the appended records, and torn among the table's.
        for (written, appended) in [(vec![&a], vec![&b]), (vec![&a, &b], vec![])] {
            let _ = std::fs::remove_file(&file);
            add(dir.path(), &config, &written);
            if !appended.is_empty() {
                add(dir.path(), &config, &appended);
                let cache = SummaryCache::open(dir.path(), &config);
                assert_eq!(
                    cache.state,
                    FileState::Appendable {
                        records: 2,
                        appended: 1
                    }
                );
            }
            let whole = std::fs::read(&file).expect("written");
            std::fs::write(&file, &whole[..whole.len() - 3]).expect("tear");
            let torn = SummaryCache::open(dir.path(), &config);
            assert_eq!(torn.state, FileState::Rewrite);
            assert!(
                is_found(dir.path(), &config, &a),
                "the whole record is read"
            );
            assert!(!is_found(dir.path(), &config, &b), "the torn one is not");
            // Appending after the torn record would hide the new one; the file is written anew.
            add(dir.path(), &config, &[&c, &d]);
            let cache = SummaryCache::open(dir.path(), &config);
            assert_eq!(
                cache.state,
                FileState::Appendable {
                    records: 3,
                    appended: 0
                }
            );
            for entry in [&a, &c, &d] {
                assert_cached(dir.path(), &config, entry);
            }
        }
    }

    #[test]
    fn appended_records_are_indexed_into_a_new_table_past_an_eighth_of_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config(dir.path(), "one");
        let all: Vec<EntrySummary> = (0..1030).map(|i| entry(&format!("e{i}"))).collect();
        add_live(dir.path(), &config, &all[..1], &all);
        for (i, entry) in all.iter().enumerate().skip(1) {
            add_live(dir.path(), &config, std::slice::from_ref(entry), &all);
            let cache = SummaryCache::open(dir.path(), &config);
            let FileState::Appendable { records, appended } = cache.state else {
                panic!("appendable after {i}");
            };
            assert_eq!(records, i + 1);
            assert!(appended <= 1024, "{appended} appended records after {i}");
        }
        let cache = SummaryCache::open(dir.path(), &config);
        assert!(
            cache.table.records > 1000,
            "indexed anew: {:?}",
            cache.table
        );
        for entry in [&all[0], &all[500], &all[1029]] {
            assert_cached(dir.path(), &config, entry);
        }
    }

    #[test]
    fn a_damaged_table_costs_only_misses() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config(dir.path(), "one");
        let file = dir.path().join("summaries.bin");
        let all: Vec<EntrySummary> = (0..40).map(|i| entry(&format!("e{i}"))).collect();
        add_live(dir.path(), &config, &all, &all);
        let mut bytes = std::fs::read(&file).expect("written");
        let table = HEADER_LEN + TABLE_HEADER_LEN;
        let slots = read_u64(&bytes, HEADER_LEN).expect("slot count") as usize;
        // Every slot points at the first record, with the right hashes kept.
        let first = (table + slots * SLOT_LEN) as u64;
        for at in 0..slots {
            if read_u64(&bytes, table + at * SLOT_LEN) != Some(0) {
                bytes[table + at * SLOT_LEN..][..8].copy_from_slice(&first.to_le_bytes());
            }
        }
        std::fs::write(&file, &bytes).expect("damage");
        let found = all
            .iter()
            .filter(|e| is_found(dir.path(), &config, e))
            .count();
        assert_eq!(found, 1, "only the record each slot now points at is found");
        // Slots past the table's end, or a table larger than the file: not a cache.
        bytes[HEADER_LEN..HEADER_LEN + 8].copy_from_slice(&(1u64 << 40).to_le_bytes());
        std::fs::write(&file, &bytes).expect("damage");
        assert!(!is_found(dir.path(), &config, &all[0]));
        assert_eq!(
            SummaryCache::open(dir.path(), &config).state,
            FileState::Rewrite
        );
    }

    #[test]
    fn summaries_are_not_appended_to_another_configurations_cache() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (one, two) = (config(dir.path(), "one"), config(dir.path(), "two"));
        let file = dir.path().join("summaries.bin");
        let (a, b) = (entry("a"), entry("b"));
        add(dir.path(), &one, &[&a]);
        let mut cache = SummaryCache::open(dir.path(), &one);
        cache.put(&b);
        // Meanwhile a run with another configuration writes its own cache.
        add(dir.path(), &two, &[&a]);
        let theirs = std::fs::read(&file).expect("written");
        cache.save(&[]);
        assert_eq!(std::fs::read(&file).expect("still there"), theirs);
        assert_cached(dir.path(), &two, &a);
    }

    #[test]
    fn a_cache_grown_past_twice_the_registry_keeps_only_live_entries() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config(dir.path(), "one");
        let old: Vec<EntrySummary> = (0..1500).map(|i| entry(&format!("old{i}"))).collect();
        add_live(dir.path(), &config, &old, &old);
        let new: Vec<EntrySummary> = (0..600).map(|i| entry(&format!("new{i}"))).collect();
        add_live(dir.path(), &config, &new, &new);
        let cache = SummaryCache::open(dir.path(), &config);
        assert_eq!(
            cache.state,
            FileState::Appendable {
                records: 600,
                appended: 0
            }
        );
        assert_cached(dir.path(), &config, &new[0]);
        assert_eq!(cached_value(dir.path(), &config, &old[0]), None);
    }

    #[test]
    fn a_summary_decodes_as_it_was_encoded_and_skims_its_targets_and_values() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config(dir.path(), "one");
        let scheme = config.kinds[0].scheme;
        let reference = |rule: usize, target: &str, req: Option<&str>| Reference {
            rule,
            target: target.to_owned(),
            pointer: format!("/deps/{target}"),
            req: req.map(|r| parse_req(r).expect("requirement")),
            span: Span::new(40 + rule, 50 + rule),
        };
        let facts = Facts {
            id_span: Some(Span::new(3, 9)),
            versions: ["1.0.0", "1.2.0-rc.1"]
                .iter()
                .enumerate()
                .map(|(i, v)| Released {
                    version: scheme.parse(v).expect("version"),
                    yanked: i == 0,
                })
                .collect(),
            refs: vec![
                reference(0, "tokenizer", Some("^1.2")),
                reference(1, "core", None),
            ],
            unique: vec![
                UniqueValue {
                    rule: 0,
                    value: "sha256:ab".to_owned(),
                    span: Span::new(60, 70),
                },
                UniqueValue {
                    rule: 2,
                    value: "https://example.com".to_owned(),
                    span: Span::new(71, 90),
                },
            ],
            allow: vec![Code::RefMissing, Code::DuplicateId],
            owner: None,
        };
        let entry = EntrySummary {
            facts: Some(Box::new(facts.clone())),
            ..entry("full")
        };
        let encoded = encode_summary(&entry);
        let content = entry.content.expect("content");
        let decoded =
            decode_summary(&config, 0, &encoded, &entry.path, &entry.id, content).expect("decodes");
        assert_eq!(format!("{decoded:?}"), format!("{entry:?}"));
        let owned = EntrySummary {
            facts: Some(Box::new(Facts {
                owner: Some("core".to_owned()),
                ..facts
            })),
            broken: true,
            ..entry.clone()
        };
        let decoded = decode_summary(&config, 0, &encode_summary(&owned), "p", "full", content)
            .expect("decodes");
        assert_eq!(decoded.owner(), Some("core"));
        assert!(decoded.broken);

        assert_eq!(skim_counts(&encoded), Some((2, 2)));
        assert_eq!(
            skim_counts(&encoded[..10]),
            None,
            "a record torn in its references"
        );
        let mut skims = SkimChunk::default();
        skim_into(&encoded, &mut skims).expect("skims");
        assert_eq!(skims.refs, [(0, "tokenizer"), (1, "core")]);
        assert_eq!(skims.unique, [(0, "sha256:ab"), (2, "https://example.com")]);
    }

    #[test]
    fn a_damaged_summary_that_still_frames_is_neither_skimmed_nor_decoded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = config(dir.path(), "one");
        let a = entry("a");
        add(dir.path(), &config, &[&a]);
        let file = dir.path().join("summaries.bin");
        let mut bytes = std::fs::read(&file).expect("written");
        let cache = SummaryCache::open(dir.path(), &config);
        let slot = cache
            .find(a.kind, a.content.expect("content"))
            .expect("cached");
        // Outside damage within the record: the framing holds, the payload does not parse.
        bytes[slot.start + 1..slot.start + slot.len].fill(0xff);
        std::fs::write(&file, &bytes).expect("damage");
        let cache = SummaryCache::open(dir.path(), &config);
        let slot = cache
            .find(a.kind, a.content.expect("content"))
            .expect("still framed");
        assert!(cache.decode(&config, slot, &a).is_none());
        let mut skims = SkimChunk::default();
        skims.refs.push((0, "kept"));
        assert!(skim_into(cache.at(slot), &mut skims).is_none());
        assert_eq!(
            skims.refs,
            [(0, "kept")],
            "nothing half-skimmed is left behind"
        );
        assert!(skims.unique.is_empty());
    }
}
