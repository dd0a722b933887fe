import Foundation
@testable import Operations
import XCTest

extension XCTestCase {
    /// The viewer's scale of `deployment` to 5 replicas, refused before anything is sent: the
    /// access review says denied, and `execute` throws the API server's own words. The recorded
    /// real server and the local cluster must refuse it identically, so both tests check it here.
    /// Returns the prepared operation (the local cluster's test sends it unchecked next).
    @discardableResult
    func assertViewerScaleRefused(_ runner: OperationRunner, _ deployment: WorkloadRef,
                                  file: StaticString = #filePath, line: UInt = #line) async throws -> PreparedOperation {
        let operation = try await ScaleOperation(client: runner.client).prepare(deployment, replicas: 5)
        let decision = await runner.access(for: operation)
        XCTAssertEqual(decision.verdict, .denied, file: file, line: line)
        do {
            _ = try await runner.execute(operation)
            XCTFail("the viewer scaled", file: file, line: line)
        } catch let error as OperationError {
            XCTAssertEqual(error.description,
                           #"deployments.apps "vllm-qwen" is forbidden: cannot patch resource "deployments/scale" in API group "apps" in the namespace "fixtures""#,
                           file: file, line: line)
        }
        return operation
    }
}
