import Engine
import Hummingbird
import YAML

extension Endpoints {
    /// `POST /tokenize`: `{prompt}` (special tokens added by default) or chat `{messages}`
    /// (through the chat format) → `{count, max_model_len, tokens, token_strs}`.
    func tokenize(_ request: Request) async -> Response {
        var request = request
        do {
            let serving = try state.servingModel()
            let f = try RequestFields(try await readJSON(&request))
            _ = try serving.resolve(try f.string("model"))
            let tokens: [Int]
            if f.has("messages") {
                let messages = try ChatCompletionRequest.readMessages(f)
                guard case .success(let template) = serving.model.chatTemplate else {
                    throw APIError.badRequest("this model has no chat format; tokenize a prompt instead")
                }
                let text = template.render(messages, addGenerationPrompt: try f.bool("add_generation_prompt") ?? true)
                tokens = serving.tokenizer.encode(text, addSpecialTokens: try f.bool("add_special_tokens") ?? false, parseSpecial: true)
            } else {
                guard let prompt = try f.string("prompt") else { throw APIError.badRequest("'prompt' (a string) or 'messages' is required", param: "prompt") }
                tokens = serving.tokenizer.encode(prompt, addSpecialTokens: try f.bool("add_special_tokens") ?? true, parseSpecial: true)
            }
            let logprobs = LogprobsJSON(api: .completion, tokenizer: serving.tokenizer)
            let strs: JSONValue = try f.bool("return_token_strs") == true
                ? .array(tokens.map { .string(logprobs.text(of: TokenID($0))) }) : .null
            return .json(.object([
                "count": .int(Int64(tokens.count)), "max_model_len": .int(Int64(serving.maxModelLen)),
                "tokens": .array(tokens.map { .int(Int64($0)) }), "token_strs": strs,
            ]))
        } catch let e as APIError {
            return .apiError(e)
        } catch {
            return .apiError(.internalError("\(error)"))
        }
    }

    /// `POST /detokenize`: `{tokens}` → `{prompt}`.
    func detokenize(_ request: Request) async -> Response {
        var request = request
        do {
            let serving = try state.servingModel()
            let f = try RequestFields(try await readJSON(&request))
            _ = try serving.resolve(try f.string("model"))
            guard let ids = try f.ints("tokens") else { throw APIError.badRequest("'tokens' (a list of token ids) is required", param: "tokens") }
            let vocab = serving.tokenizer.vocabularySize
            if let bad = ids.first(where: { $0 < 0 || $0 >= vocab }) {
                throw APIError.badRequest("token id \(bad) is outside this model's vocabulary (0..<\(vocab))", param: "tokens")
            }
            return .json(.object(["prompt": .string(serving.tokenizer.decode(ids))]))
        } catch let e as APIError {
            return .apiError(e)
        } catch {
            return .apiError(.internalError("\(error)"))
        }
    }
}
