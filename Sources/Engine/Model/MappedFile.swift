#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole file. Weights are read in place from the page cache, so a
/// model costs its file size in shared, evictable memory rather than in private heap.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let count: Int
    /// Immutable after init; the mapping lives as long as this object.
    public let base: UnsafeRawPointer

    public init(path: String) throws(ModelLoadError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw ModelLoadError(path: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw ModelLoadError(path: path, "cannot stat: \(String(cString: strerror(errno)))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw ModelLoadError(path: path, "not a regular file") }
        let size = Int(st.st_size)
        guard size > 0 else { throw ModelLoadError(path: path, "the file is empty") }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw ModelLoadError(path: path, "cannot map: \(String(cString: strerror(errno)))")
        }
        self.count = size
        self.base = UnsafeRawPointer(p)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), count) }

    /// The bytes `range`, checked against the file's size.
    public func bytes(_ range: Range<Int>) throws(ModelLoadError) -> UnsafeRawBufferPointer {
        guard range.lowerBound >= 0, range.upperBound <= count else {
            throw ModelLoadError(path: path, "truncated: needs bytes \(range.lowerBound)..<\(range.upperBound) but the file has \(count)")
        }
        return UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }
}
