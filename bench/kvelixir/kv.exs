# The reference KV server for the benchmark, in Elixir, after the "Mix and OTP"
# guide (../../../shared/KV-PROTOCOL.md). One script, no dependencies:
#
#     PORT=4042 elixir kv.exs
#
# Buckets are Agents under a DynamicSupervisor. The registry is a GenServer
# that owns a protected named ETS table (read_concurrency: true): it alone
# creates buckets and writes the table, while connections look buckets up in
# the table directly, as in the guide's ETS chapter. Connections are
# temporary Tasks under a Task.Supervisor, started by a permanent acceptor
# Task; sockets use :gen_tcp with packet: :line.
#
# Replies follow the protocol byte for byte. SUBSCRIBE is supported: the
# connection then also streams "<key> SET TO <value>" and "<key> DELETED"
# lines for the bucket, and keeps serving commands. A line over 64 KiB gets
# ERROR and the connection closes. Port 4040, or the PORT environment
# variable. SIGTERM stops the VM gracefully.

defmodule KV.Bucket do
  @moduledoc false
  # An Agent whose state is {map, subscriber pids}. Every change is sent to
  # the live subscribers; dead ones are dropped on the way (an Agent cannot
  # receive :DOWN messages).
  use Agent, restart: :temporary

  def start_link(_arg), do: Agent.start_link(fn -> {%{}, []} end)

  def get(bucket, key), do: Agent.get(bucket, fn {map, _subs} -> Map.get(map, key) end)

  def put(bucket, key, value) do
    Agent.update(bucket, fn {map, subs} ->
      {Map.put(map, key, value), broadcast(subs, {:kv_set, key, value})}
    end)
  end

  def delete(bucket, key) do
    Agent.get_and_update(bucket, fn {map, subs} ->
      {old, map} = Map.pop(map, key)
      {old, {map, broadcast(subs, {:kv_deleted, key})}}
    end)
  end

  def subscribe(bucket, pid) do
    Agent.update(bucket, fn {map, subs} ->
      if pid in subs, do: {map, subs}, else: {map, [pid | subs]}
    end)
  end

  defp broadcast([], _event), do: []

  defp broadcast(subs, event) do
    for pid <- subs, Process.alive?(pid) do
      send(pid, event)
      pid
    end
  end
end

defmodule KV.Registry do
  @moduledoc false
  # Creates and monitors buckets; the name -> pid table is ETS, read by
  # anyone, written only here.
  use GenServer

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts[:name], opts)

  # {:ok, pid} or :error, without a message to the registry.
  def lookup(table, name) do
    case :ets.lookup(table, name) do
      [{_name, pid}] -> {:ok, pid}
      [] -> :error
    end
  end

  # The bucket's pid, created if needed. Serialised by the registry, so two
  # clients creating the same name get the same bucket.
  def create(server, name), do: GenServer.call(server, {:create, name})

  @impl true
  def init(table) do
    :ets.new(table, [:named_table, :protected, read_concurrency: true])
    {:ok, %{table: table, refs: %{}}}
  end

  @impl true
  def handle_call({:create, name}, _from, state) do
    case lookup(state.table, name) do
      {:ok, pid} ->
        {:reply, pid, state}

      :error ->
        {:ok, pid} = DynamicSupervisor.start_child(KV.BucketSupervisor, KV.Bucket)
        ref = Process.monitor(pid)
        true = :ets.insert(state.table, {name, pid})
        {:reply, pid, %{state | refs: Map.put(state.refs, ref, name)}}
    end
  end

  @impl true
  def handle_info({:DOWN, ref, :process, _pid, _reason}, state) do
    {name, refs} = Map.pop(state.refs, ref)
    :ets.delete(state.table, name)
    {:noreply, %{state | refs: refs}}
  end

  def handle_info(_other, state), do: {:noreply, state}
end

defmodule KV.Supervisor do
  @moduledoc false
  use Supervisor

  def start_link(opts), do: Supervisor.start_link(__MODULE__, :ok, opts)

  @impl true
  def init(:ok) do
    children = [
      {DynamicSupervisor, name: KV.BucketSupervisor, strategy: :one_for_one},
      {KV.Registry, name: KV.Registry}
    ]

    Supervisor.init(children, strategy: :one_for_all)
  end
end

defmodule KV.Command do
  @moduledoc false

  @max_line 65536

  # String.split/1 splits on Unicode whitespace, so "\r\n" and extra blanks
  # do not matter.
  def parse(line) do
    if content_size(line) > @max_line do
      {:error, :line_too_long}
    else
      case String.split(line) do
        ["CREATE", bucket] -> {:ok, {:create, bucket}}
        ["PUT", bucket, key, value] -> {:ok, {:put, bucket, key, value}}
        ["GET", bucket, key] -> {:ok, {:get, bucket, key}}
        ["DELETE", bucket, key] -> {:ok, {:delete, bucket, key}}
        ["SUBSCRIBE", bucket] -> {:ok, {:subscribe, bucket}}
        _ -> {:error, :unknown_command}
      end
    end
  end

  # The line's length without its "\n" or "\r\n". A piece of a longer line
  # (see KVServer's socket options) has no "\n" and counts whole.
  defp content_size(line) do
    cond do
      String.ends_with?(line, "\r\n") -> byte_size(line) - 2
      String.ends_with?(line, "\n") -> byte_size(line) - 1
      true -> byte_size(line)
    end
  end

  def run({:create, bucket}) do
    KV.Registry.create(KV.Registry, bucket)
    {:ok, "OK\r\n"}
  end

  def run({:put, bucket, key, value}) do
    with_bucket(bucket, fn pid ->
      KV.Bucket.put(pid, key, value)
      {:ok, "OK\r\n"}
    end)
  end

  def run({:get, bucket, key}) do
    with_bucket(bucket, fn pid -> {:ok, [KV.Bucket.get(pid, key) || "", "\r\nOK\r\n"]} end)
  end

  def run({:delete, bucket, key}) do
    with_bucket(bucket, fn pid ->
      KV.Bucket.delete(pid, key)
      {:ok, "OK\r\n"}
    end)
  end

  def run({:subscribe, bucket}) do
    with_bucket(bucket, fn pid ->
      KV.Bucket.subscribe(pid, self())
      :subscribed
    end)
  end

  defp with_bucket(name, fun) do
    case KV.Registry.lookup(KV.Registry, name) do
      {:ok, pid} -> fun.(pid)
      :error -> {:error, :not_found}
    end
  end
end

defmodule KVServer do
  @moduledoc false
  require Logger

  # A line of up to 64 KiB plus "\r\n" arrives whole; a longer one arrives
  # cut at the buffer's size, without its "\n", and KV.Command.parse/1
  # rejects it. (packet_size would make recv fail with :emsgsize, but the
  # driver then closes the socket, so the client could not get ERROR.)
  @socket_opts [:binary, packet: :line, active: false, reuseaddr: true,
                buffer: 65538, nodelay: true]

  def accept(port) do
    {:ok, listen} = :gen_tcp.listen(port, @socket_opts)
    IO.puts("kvelixir: listening on port #{port}")
    accept_loop(listen)
  end

  defp accept_loop(listen) do
    {:ok, socket} = :gen_tcp.accept(listen)
    {:ok, pid} = Task.Supervisor.start_child(KVServer.TaskSupervisor, fn -> serve(socket) end)

    # The guide matches :ok here, but a client that connects and closes at
    # once can finish its task first ({:error, :badarg}): that must not
    # crash the acceptor and its listening socket.
    case :gen_tcp.controlling_process(socket, pid) do
      :ok -> :ok
      {:error, _} -> :gen_tcp.close(socket)
    end

    accept_loop(listen)
  end

  # The guide's loop: read a line, run it, write the reply.
  defp serve(socket) do
    case :gen_tcp.recv(socket, 0) do
      {:ok, line} ->
        case handle(line) do
          :subscribed -> serve_subscribed(socket)
          reply -> write(socket, reply) && serve(socket)
        end

      {:error, reason} ->
        write(socket, {:error, reason})
    end
  end

  # After SUBSCRIBE the connection waits for either a line or a bucket event,
  # so it takes lines as messages (active: :once).
  defp serve_subscribed(socket) do
    :ok = :inet.setopts(socket, active: :once)

    receive do
      {:tcp, ^socket, line} ->
        case handle(line) do
          :subscribed -> serve_subscribed(socket)
          reply -> write(socket, reply) && serve_subscribed(socket)
        end

      {:tcp_closed, ^socket} ->
        write(socket, {:error, :closed})

      {:tcp_error, ^socket, reason} ->
        write(socket, {:error, reason})

      {:kv_set, key, value} ->
        write(socket, {:ok, [key, " SET TO ", value, "\r\n"]}) && serve_subscribed(socket)

      {:kv_deleted, key} ->
        write(socket, {:ok, [key, " DELETED\r\n"]}) && serve_subscribed(socket)
    end
  end

  defp handle(line) do
    case KV.Command.parse(line) do
      {:ok, command} -> KV.Command.run(command)
      {:error, _} = error -> error
    end
  end

  # true to go on; otherwise the task exits.
  defp write(socket, {:ok, text}), do: send_or_exit(socket, text)
  defp write(socket, {:error, :unknown_command}), do: send_or_exit(socket, "UNKNOWN COMMAND\r\n")
  defp write(socket, {:error, :not_found}), do: send_or_exit(socket, "NOT FOUND\r\n")
  defp write(_socket, {:error, :closed}), do: exit(:shutdown)

  # Any other error (:line_too_long, :emsgsize for a line over packet_size):
  # ERROR, then the task exits with the error, as in the guide.
  defp write(socket, {:error, reason}) do
    :gen_tcp.send(socket, "ERROR\r\n")
    :gen_tcp.close(socket)
    exit(reason)
  end

  defp send_or_exit(socket, text) do
    case :gen_tcp.send(socket, text) do
      :ok -> true
      {:error, _} -> exit(:shutdown)
    end
  end
end

port =
  case System.get_env("PORT") do
    nil -> 4040
    text -> String.to_integer(text)
  end

children = [
  {KV.Supervisor, name: KV.Supervisor},
  {Task.Supervisor, name: KVServer.TaskSupervisor},
  Supervisor.child_spec({Task, fn -> KVServer.accept(port) end}, restart: :permanent)
]

{:ok, _} = Supervisor.start_link(children, strategy: :one_for_one, name: KVServer.Supervisor)
Process.sleep(:infinity)
