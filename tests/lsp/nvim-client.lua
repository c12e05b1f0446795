-- Drives `clawc lsp` from Neovim's built-in LSP client (Neovim 0.7+, run
-- headless by tests/lsp.rs): opens $CLAW_FILE, waits for its diagnostics,
-- asks for a hover on line 2, stops the client and writes what it saw to
-- $CLAW_OUT as JSON: { diagnostics = [LSP diagnostics], hover = "markdown",
-- exit_code = N, error = "message" | null }.

local out_path = os.getenv("CLAW_OUT")
local result = { diagnostics = vim.NIL, hover = vim.NIL, exit_code = vim.NIL, error = vim.NIL }

local function write_result()
  local f = assert(io.open(out_path, "w"))
  f:write(vim.fn.json_encode(result))
  f:close()
end

local ok, err = pcall(function()
  local file = os.getenv("CLAW_FILE")
  vim.cmd("edit " .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(buf)
  local diagnostics = nil
  local exit_code = nil
  local client_id = vim.lsp.start_client({
    name = "clawc",
    cmd = { os.getenv("CLAWC"), "lsp" },
    root_dir = vim.fn.fnamemodify(file, ":h"),
    handlers = {
      ["textDocument/publishDiagnostics"] = function(_, params)
        if params.uri == uri then
          diagnostics = params.diagnostics
        end
      end,
    },
    on_exit = function(code)
      exit_code = code
    end,
  })
  assert(client_id, "vim.lsp.start_client failed")
  vim.lsp.buf_attach_client(buf, client_id)
  assert(vim.wait(20000, function() return diagnostics ~= nil end, 20), "no diagnostics within 20 s")
  result.diagnostics = diagnostics

  local responses = vim.lsp.buf_request_sync(buf, "textDocument/hover", {
    textDocument = { uri = uri },
    position = { line = 1, character = 13 },
  }, 10000)
  assert(responses, "no hover response within 10 s")
  for _, response in pairs(responses) do
    if response.err then
      error("hover failed: " .. vim.inspect(response.err))
    end
    if response.result then
      result.hover = response.result.contents.value or vim.inspect(response.result.contents)
    end
  end

  vim.lsp.get_client_by_id(client_id).stop()
  assert(vim.wait(10000, function() return exit_code ~= nil end, 20), "the server did not exit within 10 s")
  result.exit_code = exit_code
end)

if not ok then
  result.error = tostring(err)
end
write_result()
vim.cmd("qa!")
