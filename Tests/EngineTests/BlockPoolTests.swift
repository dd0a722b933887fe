import XCTest
@testable import Engine
import EngineTestSupport

final class BlockPoolTests: XCTestCase {
    func testAllocateFreeAndRefCounts() {
        var pool = BlockPool(blockSize: 4, blockCount: 8)
        let a = pool.allocate(3)!
        XCTAssertEqual(a, [0, 1, 2])
        XCTAssertEqual(pool.freeCount, 5)
        XCTAssertNil(pool.allocate(6), "asking for more than is free changes nothing")
        XCTAssertEqual(pool.freeCount, 5)
        pool.touch(a[0])
        XCTAssertEqual(pool.refCount(a[0]), 2)
        pool.free(a)
        XCTAssertEqual(pool.refCount(a[0]), 1)
        XCTAssertEqual(pool.freeCount, 7)
        pool.free([a[0]])
        XCTAssertEqual(pool.freeCount, 8)
        XCTAssertEqual(pool.usage, 0)
        XCTAssertEqual(pool.invariantViolations(), [])
        pool.free([a[0]])
        XCTAssertEqual(pool.invalidFrees, 1, "a double free is caught, not absorbed")
    }

    func testFreedBlocksQueueInReverseSoTheTailIsEvictedFirst() {
        var pool = BlockPool(blockSize: 4, blockCount: 4)
        let a = pool.allocate(4)!
        pool.free(a)
        XCTAssertEqual(pool.freeQueue, [3, 2, 1, 0])
    }

    func testEvictionIsLeastRecentlyUsedAndHitsReviveFreeBlocks() {
        var pool = BlockPool(blockSize: 2, blockCount: 4)
        let h = (0..<4).map { BlockHash(parent: .root, tokens: [TokenID($0), 0]) }
        let blocks = pool.allocate(4)!
        for (b, hash) in zip(blocks, h) { pool.cache(b, as: hash) }
        // Free one at a time: 0 is least recently used, then 1, 2, 3.
        for b in blocks { pool.free([b]) }
        XCTAssertEqual(pool.cachedBlockCount, 4)
        // A hit on block 0 takes it off the free queue; it is no longer the next to go.
        let hit = pool.lookup(h[0])!
        pool.touch(hit)
        XCTAssertEqual(pool.freeCount, 3)
        let fresh = pool.allocate(1)!
        XCTAssertEqual(fresh, [blocks[1]], "the least recently freed block not in use is evicted")
        XCTAssertNil(pool.lookup(h[1]))
        XCTAssertNotNil(pool.lookup(h[2]))
        XCTAssertEqual(pool.evictions, 1)
        pool.free([hit])
        // Block 0 went back last, so 2 and 3 are evicted before it.
        XCTAssertEqual(pool.allocate(2)!, [blocks[2], blocks[3]])
        XCTAssertNotNil(pool.lookup(h[0]))
        XCTAssertEqual(pool.invariantViolations(), [])
    }

    func testDuplicateContentKeepsTheFirstCachedBlock() {
        var pool = BlockPool(blockSize: 2, blockCount: 2)
        let h = BlockHash(parent: .root, tokens: [5, 6])
        let b = pool.allocate(2)!
        pool.cache(b[0], as: h)
        pool.cache(b[1], as: h)
        XCTAssertEqual(pool.lookup(h), b[0])
        XCTAssertNil(pool.hash(of: b[1]))
    }

    func testChainedHashesDependOnTheWholePrefix() {
        let a = BlockHash(parent: .root, tokens: [1, 2])
        let b = BlockHash(parent: .root, tokens: [3, 4])
        XCTAssertNotEqual(BlockHash(parent: a, tokens: [9, 9]), BlockHash(parent: b, tokens: [9, 9]))
        XCTAssertEqual(BlockHash(parent: a, tokens: [9, 9]), BlockHash(parent: a, tokens: [9, 9]))
        var hashes: [BlockHash] = []
        BlockHash.extend(&hashes, tokens: [1, 2, 3, 4, 5], blockSize: 2)
        XCTAssertEqual(hashes.count, 2, "only full blocks are hashed")
        XCTAssertEqual(hashes[0], a)
    }

    func testSizesParseLikeTheFlag() throws {
        XCTAssertEqual(try KVCacheBudget.parseBytes("4096"), 4096)
        XCTAssertEqual(try KVCacheBudget.parseBytes("512MiB"), 512 << 20)
        XCTAssertEqual(try KVCacheBudget.parseBytes("1.5G"), 3 << 29)
        XCTAssertEqual(try KVCacheBudget.parseBytes("2GB"), 2_000_000_000)
        XCTAssertThrowsError(try KVCacheBudget.parseBytes("lots"))
        XCTAssertThrowsError(try KVCacheBudget.parseBytes("0"))
        XCTAssertThrowsError(try KVCacheBudget.parseBytes("3 parsecs"))
    }

    func testBudgetSizing() throws {
        let runner = PagedFakeRunner(blockCount: 1)
        let perBlock = runner.config.kvBytesPerToken * 16
        XCTAssertEqual(try KVCacheBudget.blockCount(bytes: perBlock * 10 + 5, config: runner.config), 10)
        XCTAssertThrowsError(try KVCacheBudget.blockCount(bytes: perBlock * 2, config: runner.config, minimumTokens: 100)) { e in
            XCTAssertTrue("\(e)".contains("--kv-cache-memory"))
        }
    }
}
